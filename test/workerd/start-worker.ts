/**
 * The worker inside workerd, as `wrangler dev` runs it, on a data folder of the test's choosing: the
 * sources are copied beside a generated data module of their own, so a test never rewrites
 * `src/generated/data.ts` under another test's feet.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, removeDir, run } from '../fixtures.ts';

export const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
/** The bucket a copy made with `dataSource: 'r2'` binds, as wrangler.toml's `[env.r2]` does. */
export const R2_BUCKET = 'pressroom-data';
/** What wrangler needs to never prompt, nor phone home, in a test. */
export const QUIET_WRANGLER = { CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };

export interface RunningWorker {
  url: string;
  /** The copy being served; `wrangler dev` persists its local storage (R2 among it) in `state/` there. */
  dir: string;
  output: () => string;
  /** Ends wrangler and workerd, and removes the copy unless `keepCopy` (to serve it again). */
  stop: (options?: { keepCopy?: boolean }) => Promise<void>;
}

/** Why workerd cannot run on this machine, or undefined when it can. */
export async function workerdUnavailable(): Promise<string | undefined> {
  let binary: string;
  try {
    // A computed specifier: the package ships no types, and only its default export (the binary's path) is used.
    const name = 'workerd';
    binary = ((await import(name)) as { default: string }).default;
  } catch (error) {
    return `the workerd package is not installed (${error instanceof Error ? error.message : String(error)})`;
  }
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error) return `${binary} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${binary} --version exited with ${probe.status}: ${probe.stderr.trim()}`;
  return undefined;
}

/** A port nobody listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts a connection on the loopback port. */
function connects(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** wrangler.toml's compatibility_date, so the copy runs on the same runtime semantics as a deployment. */
async function compatibilityDate(): Promise<string> {
  const toml = await readFile(path.join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return date;
}

/**
 * A copy of the project's sources in a temporary folder, with the data module built from `dataDir` by
 * `scripts/build-data.ts` and a wrangler.toml of its own: what `wrangler dev` or `deploy` then bundles.
 * With `dataSource: 'r2'`, the R2 entry and its binding instead, and no data: `npm run publish` puts it
 * in the copy's `state/`. `main` names another entry in the copy (one a benchmark writes there, say).
 */
export async function prepareWorkerCopy(
  dataDir: string,
  options: { edgeCache?: boolean; dataSource?: 'bundle' | 'r2'; main?: string } = {},
): Promise<string> {
  const r2 = options.dataSource === 'r2';
  const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-workerd-'));
  await cp(path.join(ROOT, 'src'), path.join(dir, 'src'), {
    recursive: true,
    filter: (source) => !source.startsWith(path.join(ROOT, 'src', 'generated')),
  });
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await cp(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  await mkdir(path.join(dir, 'src', 'generated'), { recursive: true });
  const built = r2 ? { code: 0, stderr: '' } : await run(process.execPath, [
    '--import',
    'tsx',
    'scripts/build-data.ts',
    dataDir,
    path.join(dir, 'src', 'generated', 'data.ts'),
  ]);
  if (built.code !== 0) throw new Error(`build-data failed:\n${built.stderr}`);
  await writeFile(
    path.join(dir, 'wrangler.toml'),
    [
      'name = "pressroom-test"',
      `main = "${options.main ?? `src/worker/${r2 ? 'r2-main' : 'main'}.ts`}"`,
      `compatibility_date = "${await compatibilityDate()}"`,
      // The worker uses the Cache API only with a deployment id to key it by: without one, none.
      ...(options.edgeCache === false ? [] : ['[version_metadata]', 'binding = "CF_VERSION_METADATA"']),
      ...(r2 ? ['[[r2_buckets]]', 'binding = "PRESSROOM_DATA"', `bucket_name = "${R2_BUCKET}"`] : []),
      '',
    ].join('\n'),
  );
  return dir;
}

/**
 * Serves a copy made by prepareWorkerCopy with `wrangler dev` on a free loopback port; resolves once
 * it answers. `stop` ends wrangler and workerd and removes the copy.
 */
export async function startWorker(options: {
  dataDir: string;
  vars?: Record<string, string>;
  timeoutMs?: number;
  edgeCache?: boolean;
  dataSource?: 'bundle' | 'r2';
  /** The entry wrangler serves, relative to the copy; default the worker's own. */
  main?: string;
  /** Runs on the copy before wrangler starts (`npm run publish` into its `state/`, say). */
  beforeStart?: (dir: string) => Promise<void>;
  /**
   * How to tell it is up: `'healthz'` (default) fetches /healthz, which runs the worker; `'port'` only
   * connects, so the first request the caller makes is the isolate's first.
   */
  ready?: 'healthz' | 'port';
  /** Serve this copy, stopped earlier with `keepCopy`, its storage as it was, instead of a new one. */
  copy?: string;
  /** More `wrangler dev` arguments (`--test-scheduled`, say). */
  args?: readonly string[];
}): Promise<RunningWorker & { pid: number; inspectorPort: number }> {
  const dir =
    options.copy ??
    (await prepareWorkerCopy(options.dataDir, {
      ...(options.edgeCache === false ? { edgeCache: false } : {}),
      ...(options.dataSource ? { dataSource: options.dataSource } : {}),
      ...(options.main ? { main: options.main } : {}),
    }));
  try {
    await options.beforeStart?.(dir);
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  const child = spawn(
    WRANGLER,
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort)]
      .concat(['--persist-to', path.join(dir, 'state'), '--show-interactive-dev-session=false'], vars, options.args ?? []),
    { cwd: dir, env: { ...process.env, ...QUIET_WRANGLER }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (stopOptions?: { keepCopy?: boolean }) => {
    // wrangler runs workerd in processes of its own: end the whole group this spawn started.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    if (!stopOptions?.keepCopy) await removeDir(dir);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (/Ready on http/.test(output)) {
      try {
        if (options.ready === 'port') await connects(port);
        else await fetch(`${url}/healthz`);
        return { url, dir, output: () => output, stop, pid: child.pid as number, inspectorPort };
      } catch {
        // listening, not answering yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`wrangler dev did not start:\n${output}`);
}
