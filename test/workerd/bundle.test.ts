/**
 * The worker as `wrangler deploy` would upload it (`--dry-run --outdir`): wrangler.toml's build command
 * runs, and nothing from Node reaches the bundle.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, removeDir, run, seedDataset } from '../fixtures.ts';
import { QUIET_WRANGLER, WRANGLER } from './start-worker.ts';

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

describe('wrangler deploy --dry-run', () => {
  let out = '';
  let result: Awaited<ReturnType<typeof run>>;
  let meta: Metafile;
  let code = '';
  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'pressroom-bundle-'));
    result = await run(WRANGLER, ['deploy', '--dry-run', '--outdir', out, '--metafile', path.join(out, 'meta.json')], {
      env: QUIET_WRANGLER,
    });
    if (result.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}${result.stderr}`);
    meta = JSON.parse(await readFile(path.join(out, 'meta.json'), 'utf8')) as Metafile;
    const scripts = (await readdir(out)).filter((name) => name.endsWith('.js'));
    code = (await Promise.all(scripts.map((name) => readFile(path.join(out, name), 'utf8')))).join('\n');
  }, 120_000);
  afterAll(() => removeDir(out));

  it('runs npm run build:data first, validating data/', () => {
    expect(`${result.stdout}${result.stderr}`).toMatch(/src\/generated\/data\.ts: 1 post, 2 files, version [0-9a-f]+/);
  });

  it('bundles no node: module, and none of the Node-only sources', () => {
    const imports = [...Object.values(meta.inputs), ...Object.values(meta.outputs)].flatMap((entry) => entry.imports);
    // `<runtime>` is esbuild's own helper module, not an import of ours.
    const outside = imports.filter((entry) => entry.path !== '<runtime>' && (entry.path.startsWith('node:') || entry.external));
    expect(outside).toEqual([]);
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain('src/worker/main.ts');
    expect(inputs).toContain('src/generated/data.ts');
    for (const nodeOnly of ['src/node/main.ts', 'src/node/data-dir.ts', 'src/node/compression.ts', 'src/node/reloading-source.ts']) {
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

  it('carries the data of data/ as validated now', async () => {
    const { version } = await seedDataset();
    expect(code).toContain(version);
  });
});
