/**
 * The worker as `wrangler deploy` would upload it (`--dry-run --outdir`): wrangler.toml's build command
 * runs, and nothing from Node reaches the bundle. It runs in a copy of the project whose data/ is the
 * seed data, so the project's own data/ and src/generated/ are neither read nor rewritten.
 */
import { cp, mkdtemp, readFile, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dataVersionIn, removeDir, run } from '../fixtures.ts';
import { SEED_DIR } from '../support.ts';
import { QUIET_WRANGLER, WRANGLER } from './start-worker.ts';

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind?: string; external?: boolean }[] }>;
  outputs: Record<string, { imports: { path: string; kind?: string; external?: boolean }[] }>;
}

/** The project as a clone holds it (sources, scripts, package.json, wrangler.toml), with data/ of our choosing. */
async function projectCopy(dataDir: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-project-'));
  const generated = path.join(ROOT, 'src', 'generated');
  await cp(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true, filter: (source) => !source.startsWith(generated) });
  await cp(path.join(ROOT, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
  for (const file of ['package.json', 'wrangler.toml', 'tsconfig.json']) await cp(path.join(ROOT, file), path.join(dir, file));
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await symlink(dataDir, path.join(dir, 'data'), 'dir');
  return dir;
}

describe('wrangler deploy --dry-run', () => {
  let project = '';
  let out = '';
  let result: Awaited<ReturnType<typeof run>>;
  let meta: Metafile;
  let code = '';
  beforeAll(async () => {
    project = await projectCopy(SEED_DIR);
    out = await mkdtemp(path.join(tmpdir(), 'pressroom-bundle-'));
    result = await run(WRANGLER, ['deploy', '--dry-run', '--outdir', out, '--metafile', path.join(out, 'meta.json')], {
      env: QUIET_WRANGLER,
      cwd: project,
    });
    if (result.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}${result.stderr}`);
    meta = JSON.parse(await readFile(path.join(out, 'meta.json'), 'utf8')) as Metafile;
    const scripts = (await readdir(out)).filter((name) => name.endsWith('.js'));
    code = (await Promise.all(scripts.map((name) => readFile(path.join(out, name), 'utf8')))).join('\n');
  }, 120_000);
  afterAll(async () => {
    await removeDir(out);
    if (project) await removeDir(project);
  });

  it('runs npm run build:data first, validating data/', () => {
    expect(`${result.stdout}${result.stderr}`).toMatch(/src\/generated\/data\.ts: 1 post, 2 files, version [0-9a-f]+/);
  });

  it('bundles no node: module, and none of the Node-only sources; it imports only the runtime\u2019s cloudflare:workers', () => {
    const imports = [...Object.values(meta.inputs), ...Object.values(meta.outputs)].flatMap((entry) => entry.imports);
    // `<runtime>` is esbuild's own helper module, not an import of ours.
    const outside = imports.filter((entry) => entry.path !== '<runtime>' && (entry.path.startsWith('node:') || entry.external));
    // The vars at start-up (src/worker/main.ts), imported where it runs, so Node can load the module.
    expect(new Set(outside.map(({ path, kind }) => `${kind} ${path}`))).toEqual(new Set(['dynamic-import cloudflare:workers']));
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain('src/worker/main.ts');
    expect(inputs).toContain('src/generated/data.ts');
    for (const nodeOnly of ['src/node/main.ts', 'src/node/data-folder.ts', 'src/node/compression.ts', 'src/node/reloading-source.ts']) {
      expect(inputs).not.toContain(nodeOnly);
    }
    expect(code).not.toMatch(/(?:from\s*|require\(\s*|import\(\s*)["']node:/);
  });

  it('bundles no HTML sanitiser: posts come sanitised from npm run build:data', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain('src/worker/bundled-data.ts');
    expect(inputs).not.toContain('src/feeds/sanitize.ts');
    expect(inputs.filter((input) => /node_modules\/(?:sanitize-html|htmlparser2|postcss)\//.test(input))).toEqual([]);
  });

  it('bundles no Markdown renderer: Markdown posts come rendered from npm run build:data', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs).not.toContain('src/posts/markdown.ts');
    expect(inputs.filter((input) => /node_modules\/(?:markdown-it|linkify-it|mdurl|uc\.micro)\//.test(input))).toEqual([]);
  });

  it('carries the data of data/ (here the seed data) as validated now', async () => {
    const version = await dataVersionIn(project);
    expect(code).toContain(version);
  });
});
