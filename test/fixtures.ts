/**
 * Generated test data and the real programs the tests drive: one place, so every test builds its
 * posts the same way and no test depends on another's files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach } from 'vitest';
import { loadDataset, type DataInput, type Dataset } from '../src/posts/index.ts';
import { formatProblem } from '../src/posts/problems.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The shipped data folder: one test checks it is valid; every other test brings data of its own. */
export const DATA_DIR = path.join(ROOT, 'data');
/** tsx's loader by its path, so a process started in another folder still runs TypeScript. */
export const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
/** The Atom RELAX NG schema (RFC 4287 Appendix B) and the JSON Feed 1.1 JSON Schema, with their sources. */
export const SCHEMAS = path.join(ROOT, 'test', 'schemas');
export const ATOM_RNC = path.join(SCHEMAS, 'atom.rnc');
export const JSON_FEED_SCHEMA = path.join(SCHEMAS, 'jsonfeed-1.1.schema.json');

let jsonFeedValidator: ValidateFunction | undefined;
/** What ajv finds in a parsed JSON Feed against the JSON Feed 1.1 schema (`/feed_url must match …`); none when valid. */
export function jsonFeedSchemaErrors(feed: unknown): string[] {
  if (!jsonFeedValidator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    jsonFeedValidator = ajv.compile(JSON.parse(readFileSync(JSON_FEED_SCHEMA, 'utf8')) as object);
  }
  return jsonFeedValidator(feed) ? [] : (jsonFeedValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** ` (jing not installed: skipped)` in a test's name, or nothing when it runs. */
export const skipped = (reason: string | false | undefined): string => (reason ? ` (${reason}: skipped)` : '');

/** A complete, valid `site.json` record; override any field. */
export function siteRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Example News',
    description: 'Company news from Example.',
    url: 'https://news.example.com',
    language: 'en',
    authors: [{ name: 'Example Press Office', email: 'press@example.com' }],
    ...overrides,
  };
}

/** A complete, valid post record; override any field. */
export function postRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'A post',
    published: '2024-03-01',
    content: '<p>Body of the post.</p>',
    ...overrides,
  };
}

export interface FixtureData {
  site?: Record<string, unknown> | string;
  /** Keyed by file name without `.json`; a string is written as it is (broken JSON, say). */
  posts?: Record<string, Record<string, unknown> | string>;
  /** Keyed by path below `media/`. */
  media?: Record<string, Uint8Array | string>;
}

const asText = (value: Record<string, unknown> | string) =>
  typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`;

/** The loader's input for in-memory data, named as files below `data/`. */
export function dataInput(data: FixtureData = {}): DataInput {
  return {
    site: { file: 'data/site.json', text: asText(data.site ?? siteRecord()) },
    posts: Object.entries(data.posts ?? {}).map(([name, record]) => ({
      file: `data/posts/${name}.json`,
      text: asText(record),
    })),
    assets: Object.entries(data.media ?? {}).map(([name, bytes]) => ({
      path: `media/${name}`,
      file: `data/media/${name}`,
      bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes,
    })),
  };
}

/** A validated dataset from in-memory records; throws with the problem list when they are not valid. */
export async function dataset(data: FixtureData = {}): Promise<Dataset> {
  const result = await loadDataset(dataInput(data));
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.dataset;
}

/** Writes fixture data into a new temporary data folder and returns its path. */
export async function makeDataDir(data: FixtureData = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-test-'));
  await writeDataDir(dir, data);
  return dir;
}

/** `makeDataDir` for one test file: every folder it makes is removed after each test. */
export function dataDirsRemovedAfterEach(): (data?: FixtureData) => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map(removeDir));
  });
  return async (data = {}) => {
    const dir = await makeDataDir(data);
    dirs.push(dir);
    return dir;
  };
}

export async function writeDataDir(dir: string, data: FixtureData): Promise<void> {
  await mkdir(path.join(dir, 'posts'), { recursive: true });
  await writeFile(path.join(dir, 'site.json'), asText(data.site ?? siteRecord()));
  for (const [name, record] of Object.entries(data.posts ?? {})) {
    await writeFile(path.join(dir, 'posts', `${name}.json`), asText(record));
  }
  for (const [name, bytes] of Object.entries(data.media ?? {})) {
    const file = path.join(dir, 'media', name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

/** A program on this machine, or undefined: tests that need it skip with the reason. */
export function findProgram(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/** Debian's `python3-feedparser` lives beside the system Python, which may not be the first on PATH. */
export function pythonWithFeedparser(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import feedparser'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the real Node server (`src/node/main.ts`) on a free port, as `npm start` would, and waits for its
 * "serves … on http://…" line. Rejects with the server's output if it exits first. `cwd` is the folder
 * it starts in (the repository by default), so `./data` can be a folder of the test's choosing.
 */
export function startServer(
  env: Record<string, string> = {},
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'src', 'node', 'main.ts')], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], process: child, output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output}`));
    });
  });
}

/**
 * Resolves once `server` has printed `text`, on either of its pipes (a log line and the answer that
 * shows the same event travel apart, so a test may see the answer first); rejects with what it printed
 * after `timeoutMs`.
 */
export function printed(server: RunningServer, text: string, timeoutMs = 5_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const look = () => {
      if (!server.output().includes(text)) return;
      server.process.stdout?.off('data', look);
      server.process.stderr?.off('data', look);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      server.process.stdout?.off('data', look);
      server.process.stderr?.off('data', look);
      reject(new Error(`not printed within ${timeoutMs} ms: ${text}\n${server.output()}`));
    }, timeoutMs);
    server.process.stdout?.on('data', look);
    server.process.stderr?.on('data', look);
    look();
  });
}

/** Runs a command to completion: its exit code and everything it printed. */
export function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/**
 * The data version of `./data` in `cwd` as `npm run build:data` reports it: what the worker's bundle
 * carries, for a test to compare with what a running server reports for the same folder.
 */
export async function dataVersionIn(cwd: string): Promise<string> {
  const out = await mkdtemp(path.join(tmpdir(), 'pressroom-version-'));
  try {
    const built = await run(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'scripts', 'build-data.ts'), './data', path.join(out, 'data.ts')], { cwd });
    const version = /version ([0-9a-f]{16})$/m.exec(built.stdout)?.[1];
    if (built.code !== 0 || !version) throw new Error(`build-data found no version in ${cwd}:\n${built.stdout}${built.stderr}`);
    return version;
  } finally {
    await removeDir(out);
  }
}
