/**
 * The real Node server and files that are not what they seem, edits saved as editors save them, and
 * posts over the limits. Every wait is a bounded poll, never a blind sleep.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram, makeDataDir, postRecord, printed, removeDir, run, startServer, type RunningServer } from '../fixtures.ts';

const json = (record: Record<string, unknown>) => `${JSON.stringify(record, null, 2)}\n`;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});
async function tempDataDir(...args: Parameters<typeof makeDataDir>): Promise<string> {
  const dir = await makeDataDir(...args);
  dirs.push(dir);
  return dir;
}

/** Starts the server expecting it to refuse: its exit code and what it printed. */
const startRefused = (env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], { env: { HOST: '127.0.0.1', PORT: '0', ...env } });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the Node server refusing what is not a regular file inside its folder', () => {
  const mkfifo = findProgram('mkfifo');

  it.skipIf(!mkfifo)(`refuses a FIFO as site.json at once, with one line, instead of waiting for a writer${mkfifo ? '' : ' (mkfifo not installed: skipped)'}`, async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() } });
    await rm(path.join(dir, 'site.json'));
    execFileSync('mkfifo', [path.join(dir, 'site.json')]);
    const result = await startRefused({ DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(dir, 'site.json')}: a named pipe (FIFO), not a regular file: refused, never opened\n`);
  });

  it('reports a loop of links in posts/ as a problem line, not a stack trace', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() } });
    await symlink(path.join(dir, 'posts', 'b.json'), path.join(dir, 'posts', 'a.json'));
    await symlink(path.join(dir, 'posts', 'a.json'), path.join(dir, 'posts', 'b.json'));
    const result = await startRefused({ DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(dir, 'posts', 'a.json')}: cannot be read (a link that leads back to itself (ELOOP))\n`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses a media link out of the folder, and serves it only with ALLOW_EXTERNAL_LINKS=1', async () => {
    const dir = await tempDataDir({ posts: { post: postRecord() } });
    const elsewhere = await tempDataDir({ media: { 'secret.txt': 'not for the public' } });
    await mkdir(path.join(dir, 'media'));
    await symlink(path.join(elsewhere, 'media', 'secret.txt'), path.join(dir, 'media', 'shadow.txt'));
    const refused = await startRefused({ DATA_DIR: dir });
    expect(refused.code).toBe(1);
    const target = realpathSync(path.join(elsewhere, 'media', 'secret.txt'));
    expect(refused.stderr).toContain(
      `${path.join(dir, 'media', 'shadow.txt')}: a link to ${target}, outside the data folder, refused (ALLOW_EXTERNAL_LINKS=1 allows it)\n`,
    );

    const server = await startServer({ DATA_DIR: dir, ALLOW_EXTERNAL_LINKS: '1', WATCH: '0' });
    try {
      expect(await (await fetch(`${server.url}/media/shadow.txt`)).text()).toBe('not for the public');
    } finally {
      await server.stop();
    }
  });
});

describe('the Node server and edits as editors save them', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await tempDataDir({ posts: { story: postRecord({ title: 'Story, draft 0' }), other: postRecord({ title: 'Other' }) } });
    server = await startServer({ DATA_DIR: dir, MAX_POST_BYTES: '4000' });
    await printed(server, `Watching ${dir} for changes.`, 15_000);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const pageTitle = async (slug: string) => /<h1>([^<]*)<\/h1>/.exec(await (await fetch(`${server.url}/posts/${slug}/`)).text())?.[1];

  it('serves each of 20 atomic saves in a row within 2 s', async () => {
    const file = path.join(dir, 'posts', 'story.json');
    for (let i = 1; i <= 20; i++) {
      const temporary = path.join(dir, 'posts', `.story.json.${i}.swp`);
      await writeFile(temporary, json(postRecord({ title: `Story, draft ${i}` })));
      await rename(temporary, file);
      const saved = Date.now();
      await until(`save ${i}`, async () => ((await pageTitle('story')) === `Story, draft ${i}` ? true : undefined), 10_000);
      expect(Date.now() - saved).toBeLessThan(2000);
    }
  });

  it('keeps serving when a post grows past MAX_POST_BYTES, naming the file and the limit on /healthz', async () => {
    const file = path.join(dir, 'posts', 'other.json');
    await writeFile(file, json(postRecord({ title: 'Other', content: `<p>${'x'.repeat(5000)}</p>` })));
    const health = await until('degraded', async () => {
      const body = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; problems?: { file: string; message: string }[] };
      return body.status === 'degraded' ? body : undefined;
    });
    expect(health.problems).toEqual([{ file, message: expect.stringMatching(/^\d+ bytes; the limit is 4000 \(MAX_POST_BYTES\)$/) }]);
    expect(await pageTitle('other')).toBe('Other');
  });
});
