/**
 * `npm run dev:worker` on a data folder with errors: wrangler runs build:data as its build command, and
 * every request is answered 503 with the problems at once, instead of waiting for a build that failed.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, makeDataDir, postRecord, removeDir } from '../fixtures.ts';
import { QUIET_WRANGLER, WRANGLER, freePort, workerdUnavailable } from './start-worker.ts';

const unavailable = await workerdUnavailable();
if (unavailable) console.warn(`skipped: ${unavailable}`);

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe.skipIf(unavailable !== undefined)('wrangler dev with PRESSROOM_SERVE_DATA_ERRORS=1 on invalid data', () => {
  it('answers 503 with the problem report within seconds of being ready', { timeout: 120_000 }, async () => {
    const data = await makeDataDir({ posts: { bad: postRecord({ published: 'yesterday' }) } });
    const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-dev-errors-'));
    cleanup.push(() => removeDir(data), () => removeDir(dir));
    for (const part of ['src', 'scripts', 'package.json']) {
      await cp(path.join(ROOT, part), path.join(dir, part), {
        recursive: true,
        filter: (source) => !source.startsWith(path.join(ROOT, 'src', 'generated')),
      });
    }
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await cp(data, path.join(dir, 'data'), { recursive: true });
    await writeFile(
      path.join(dir, 'wrangler.toml'),
      ['name = "pressroom-dev-test"', 'main = "src/worker/main.ts"', 'compatibility_date = "2026-04-01"', '[build]', 'command = "npm run build:data"', 'watch_dir = "data"', ''].join('\n'),
    );
    const [port, inspectorPort] = [await freePort(), await freePort()];
    const child = spawn(
      WRANGLER,
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false'],
      { cwd: dir, env: { ...process.env, ...QUIET_WRANGLER, PRESSROOM_SERVE_DATA_ERRORS: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cleanup.push(async () => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    });

    const deadline = Date.now() + 90_000;
    while (!/Ready on http/.test(output) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toMatch(/Ready on http/);
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/rss.xml`, { signal: AbortSignal.timeout(10_000) });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = await res.text();
    expect(body).toMatch(/^The data has errors; fix them and this page will show the site\.\n/);
    expect(body).toContain('data/posts/bad.json: published: expected an ISO 8601 date');
  });
});
