/**
 * What `npm start` runs: `dist/node.mjs` as `npm run build:node` bundles it (which runs the server's bundle,
 * `dist/server.cjs`, through V8's code cache), started as the start script starts it (`node dist/node.mjs`),
 * on a data folder of its own. The other Node tests run the TypeScript sources through tsx, so a bundling
 * mistake (a module esbuild resolves differently, a package's CommonJS require) shows only here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataDir } from '../../src/node/data-folder.ts';
import { ROOT, makeDataDir, postRecord, removeDir, run, siteRecord } from '../fixtures.ts';

/** Starts the bundle on a free port and resolves with its address once it says where it listens. */
function startArtefact(dataDir: string, timeoutMs = 20_000): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['dist/node.mjs'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', WATCH: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dist/node.mjs did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = / on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dist/node.mjs exited with ${code}:\n${output}`));
    });
  });
}

/** SIGTERM, as a process manager stops it: resolves with the exit code. */
const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('the bundle npm start runs', () => {
  let dataDir = '';
  let server: Awaited<ReturnType<typeof startArtefact>> | undefined;
  beforeAll(async () => {
    const build = await run('npm', ['run', 'build:node', '--silent']);
    if (build.code !== 0) throw new Error(`npm run build:node failed:\n${build.stdout}${build.stderr}`);
    // The start below writes the cache afresh: one left by an earlier start would prove nothing.
    await rm(path.join(ROOT, 'dist', 'server.cjs.cache'), { force: true });
    dataDir = await makeDataDir({
      site: siteRecord({ title: 'Artefact News' }),
      posts: {
        'first-post': postRecord({ title: 'The first post' }),
        'second-post': postRecord({ title: 'The second post', published: '2024-03-02', content: '<p style="position: fixed; top: 0">Styled</p><p>Plain</p>' }),
      },
    });
    server = await startArtefact(dataDir);
  }, 60_000);
  afterAll(async () => {
    if (server) await stop(server.child);
    await removeDir(dataDir);
  });

  it('says where it serves what', () => {
    expect(server?.output()).toMatch(/^Pressroom serves 2 posts from \S+ on http:\/\/127\.0\.0\.1:\d+\n$/);
  });

  it('serves /rss.xml', async () => {
    const res = await fetch(`${server?.url}/rss.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/rss\+xml/);
    const body = await res.text();
    expect(body).toContain('<title>Artefact News</title>');
    expect(body.indexOf('The second post')).toBeGreaterThan(-1);
    expect(body.indexOf('The second post')).toBeLessThan(body.indexOf('The first post'));
  });

  // postcss is aliased away (src/feeds/no-postcss.ts): the sanitiser must still drop style attributes, without it.
  it('sanitises without postcss, which it leaves out', async () => {
    expect(await readFile(path.join(ROOT, 'dist', 'server.cjs'), 'utf8')).not.toContain('node_modules/postcss/');
    const page = await (await fetch(`${server?.url}/posts/second-post/`)).text();
    expect(page).toContain('<p>Styled</p><p>Plain</p>');
    expect(page).not.toContain('position');
    expect(server?.output()).not.toContain('postcss');
  });

  // node:http2 is aliased away (src/node/no-http2.ts): @hono/node-server only asks whether a request is one.
  it('leaves out node:http2, and answers HTTP/1.1 requests through the adapter without it', async () => {
    const bundle = await readFile(path.join(ROOT, 'dist', 'server.cjs'), 'utf8');
    expect(bundle).not.toMatch(/from ["']node:http2["']|require\(["'](?:node:)?http2["']\)/);
    expect(bundle).toContain('src/node/no-http2.ts');
    const res = await fetch(`${server?.url}/posts/first-post/`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(server?.output()).not.toContain('http2');
  });

  it('writes the code cache of the bundle it ran, headed by the digest of that bundle', async () => {
    const bundle = await readFile(path.join(ROOT, 'dist', 'server.cjs'));
    const digest = createHash('sha256').update(bundle).digest();
    // Written once the load after listening has run (50 ms after the last request, 1 s at most).
    let cache: Buffer | undefined;
    for (let turn = 0; turn < 100 && !cache?.subarray(0, 32).equals(digest); turn++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      cache = await readFile(path.join(ROOT, 'dist', 'server.cjs.cache')).catch(() => undefined);
    }
    expect(cache?.subarray(0, 32).equals(digest)).toBe(true);
    expect(cache?.length).toBeGreaterThan(1024);
  });

  it('serves /healthz with the version the sources compute for the same folder', async () => {
    const res = await fetch(`${server?.url}/healthz`);
    expect(res.status).toBe(200);
    const loaded = await loadDataDir(dataDir);
    if (!loaded.ok) throw new Error('the fixture data is not valid');
    expect(await res.json()).toEqual({ status: 'ok', posts: 2, scheduled: 0, drafts: 0, version: loaded.dataset.version });
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const child = server?.child;
    if (!child) throw new Error('not started');
    expect(await stop(child)).toBe(0);
  });
});
