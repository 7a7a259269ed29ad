import { spawn } from 'node:child_process';
import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, dataVersionIn, makeDataDir, postRecord, printed, removeDir, siteRecord, startServer, type RunningServer } from '../fixtures.ts';
import { SEED_DIR, SEED_FIGURE, SEED_ID, SEED_SLUG, SEED_TITLE } from '../support.ts';
const STACK_FRAME = /^\s+at .+[(:]\d+/m;
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs `src/node/main.ts` as `npm start` would and waits for it to exit. A server that starts instead is
 * stopped, and reported as `started`, so a test expecting a refusal fails rather than hangs.
 */
function startOrExit(env: Record<string, string>, timeoutMs = 20_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; started: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`src/node/main.ts neither started nor exited within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!started && / on http:\/\//.test(stdout)) {
        started = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, started });
    });
  });
}

describe('the Node server on ./data, the default folder (here the seed data)', () => {
  let server: RunningServer;
  let cwd = '';
  beforeAll(async () => {
    // A folder of its own to start in, whose ./data is the seed data: the shipped data/ is not read.
    cwd = await mkdtemp(path.join(tmpdir(), 'pressroom-cwd-'));
    await symlink(SEED_DIR, path.join(cwd, 'data'), 'dir');
    server = await startServer({}, { cwd });
  });
  afterAll(async () => {
    await server?.stop();
    if (cwd) await removeDir(cwd);
  });

  it('says where it listens', () => {
    expect(server.output()).toMatch(/^Pressroom serves 1 post from \.\/data on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['/', 'text/html; charset=utf-8', `/posts/${SEED_SLUG}/`],
    ['/rss.xml', 'application/rss+xml; charset=utf-8', SEED_ID],
    ['/atom.xml', 'application/atom+xml; charset=utf-8', SEED_ID],
    ['/feed.json', 'application/feed+json; charset=utf-8', SEED_ID],
    [`/posts/${SEED_SLUG}/`, 'text/html; charset=utf-8', 'WEGO&#39;s National Engineering Research Center'],
  ])('GET %s is %s with the seed post', async (url, contentType, expected) => {
    const res = await fetch(`${server.url}${url}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(contentType);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain(expected);
  });

  it('links to the address it was reached at, since site.json has no url', async () => {
    const rss = await (await fetch(`${server.url}/rss.xml`)).text();
    expect(rss).toContain(`<link>${server.url}/posts/${SEED_SLUG}/</link>`);
    const json = (await (await fetch(`${server.url}/feed.json`)).json()) as { feed_url: string; items: { title: string }[] };
    expect(json.feed_url).toBe(`${server.url}/feed.json`);
    expect(json.items.map((item) => item.title)).toEqual([SEED_TITLE]);
  });

  it('serves a media file byte for byte', async () => {
    const res = await fetch(`${server.url}/media/cxdfhd-2.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const onDisk = await readFile(SEED_FIGURE);
    expect(Buffer.from(await res.arrayBuffer()).equals(onDisk)).toBe(true);
  });

  it('answers /healthz with the counts and the version of the data', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    const version = await dataVersionIn(cwd);
    expect(await res.json()).toEqual({ status: 'ok', posts: 1, scheduled: 0, drafts: 0, version });
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await fetch(`${server.url}/atom.xml`, { headers: { 'Accept-Encoding': 'identity' } });
    const body = new Uint8Array(await get.arrayBuffer());
    const head = await fetch(`${server.url}/atom.xml`, { method: 'HEAD', headers: { 'Accept-Encoding': 'identity' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(head.headers.get('content-length')).toBe(String(body.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses other methods with 405 and answers unknown paths with 404', async () => {
    const post = await fetch(`${server.url}/feed.json`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toMatch(/\bGET\b.*\bHEAD\b/);
    expect((await fetch(`${server.url}/posts/no-such-post/`)).status).toBe(404);
    expect((await fetch(`${server.url}/wp-admin`)).status).toBe(404);
  });
});

describe('the Node server on a data folder of its own, with SITE_URL', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await makeDataDir({
      site: siteRecord({ url: 'https://site-json.example.com' }),
      posts: {
        'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01' }),
        'new-plant': postRecord({ title: 'New plant', published: '2024-03-01', image: { url: '../media/plant.txt' } }),
        draft: postRecord({ title: 'Not yet', published: '2024-01-01', draft: true }),
        later: postRecord({ title: 'Far future', published: '2999-01-01' }),
      },
      media: { 'plant.txt': 'a plant' },
    });
    server = await startServer({ DATA_DIR: dir, SITE_URL: 'https://press.example.org/news/' });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await removeDir(dir);
  });

  it('serves that folder, linking to SITE_URL', async () => {
    expect(server.output()).toContain(`Pressroom serves 4 posts from ${dir} on http://127.0.0.1:`);
    const json = (await (await fetch(`${server.url}/feed.json`)).json()) as { feed_url: string; items: { title: string; url: string }[] };
    expect(json.feed_url).toBe('https://press.example.org/news/feed.json');
    expect(json.items.map(({ title, url }) => ({ title, url }))).toEqual([
      { title: 'New plant', url: 'https://press.example.org/news/posts/new-plant/' },
      { title: 'Board meeting', url: 'https://press.example.org/news/posts/board-meeting/' },
    ]);
    const atom = await (await fetch(`${server.url}/atom.xml`)).text();
    expect(atom).toContain('<link rel="self" type="application/atom+xml" href="https://press.example.org/news/atom.xml"/>');
  });

  it('keeps drafts and scheduled posts out', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: 'ok', posts: 2, scheduled: 1, drafts: 1 });
    expect((await fetch(`${server.url}/posts/draft/`)).status).toBe(404);
    expect((await fetch(`${server.url}/posts/later/`)).status).toBe(404);
    expect((await fetch(`${server.url}/posts/board-meeting/`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/rss.xml`)).text()).not.toMatch(/Not yet|Far future/);
  });

  it('serves its media', async () => {
    const res = await fetch(`${server.url}/media/plant.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('a plant');
  });
});

describe('start-up with warnings', () => {
  let server: RunningServer | undefined;
  let dir = '';
  afterAll(async () => {
    await server?.stop();
    if (dir) await removeDir(dir);
  });

  // The local links are judged by the load after listening, which prints every problem: each once.
  it('prints each warning once, the local links\' among them', async () => {
    dir = await makeDataDir({
      posts: {
        'board-meeting': postRecord({ subtitle: 'Extra', content: '<p><a href="/posts/no-such-post">The minutes</a></p>' }),
      },
    });
    server = await startServer({ DATA_DIR: dir });
    const summary = '0 errors, 2 warnings in 1 post.';
    await printed(server, summary, 20_000);
    // A request answered after the summary: a second report, printed by the same load, would be in by then.
    const res = await fetch(`${server.url}/posts/board-meeting/`);
    expect(res.status).toBe(200);
    const linkWarning = `${dir}/posts/board-meeting.json: content: "/posts/no-such-post" resolves to /posts/no-such-post, which is no post   [warning]`;
    const fieldWarning = `${dir}/posts/board-meeting.json: subtitle: unknown field   [warning]`;
    const lines = server.output().split('\n');
    expect(lines.filter((line) => line === linkWarning)).toHaveLength(1);
    expect(lines.filter((line) => line === fieldWarning)).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith(summary))).toHaveLength(1);
  });
});

describe('start-up with bad data', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await removeDir(dir);
  });
  const folder = async (...args: Parameters<typeof makeDataDir>) => {
    const dir = await makeDataDir(...args);
    dirs.push(dir);
    return dir;
  };

  it('stops with exit code 1 and every problem, one line each, no stack trace', async () => {
    const dir = await folder({
      site: siteRecord({ authors: [] }),
      posts: {
        'board-meeting': postRecord({ title: 42, published: 'yesterday' }),
        broken: '{ "title": "Broken", }',
      },
    });
    const result = await startOrExit({ DATA_DIR: dir });
    expect(result.started).toBe(false);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `${dir}/site.json: authors: expected a list with at least one author, got an empty list`,
        `${dir}/posts/board-meeting.json: title: expected a non-empty string, got 42`,
        `${dir}/posts/board-meeting.json: published: expected an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00), got "yesterday"`,
      ]),
    );
    expect(lines.filter((line) => line.startsWith(`${dir}/posts/broken.json: invalid JSON: line 1, column `))).toHaveLength(1);
    expect(lines.at(-1)).toBe('4 errors, 0 warnings in 2 posts. The format is described in README.md#data-format.');
    expect(lines).toHaveLength(5);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stdout).not.toContain('serves');
  });

  it('stops with exit code 1 when the data folder is missing', async () => {
    const missing = path.join(await folder(), 'no-such-folder');
    const result = await startOrExit({ DATA_DIR: missing });
    expect(result.started).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${literally(missing)}/site\\.json: cannot be read \\(.+\\)$`, 'm'));
    expect(result.stderr).toContain('1 error, 0 warnings in 0 posts.');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  // `new URL()` throws on this one; the loader must report it like any other bad field.
  it('stops with a problem line, not a stack trace, for an image URL that cannot be parsed', async () => {
    const dir = await folder({
      posts: { 'bad-image': postRecord({ image: { url: 'https://[::1/photo.png' } }) },
    });
    const result = await startOrExit({ DATA_DIR: dir });
    expect(result.started).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).toMatch(new RegExp(`^${literally(dir)}/posts/bad-image\\.json: image\\.url: `, 'm'));
  });

  // site.json's `url` must be an absolute http(s) URL, but SITE_URL, which overrides it, is not checked:
  // `SITE_URL=news.example.com` starts a server whose feeds link to `news.example.com/posts/…`.
  it('refuses a SITE_URL that is not an absolute http(s) URL', async () => {
    const result = await startOrExit({ DATA_DIR: SEED_DIR, SITE_URL: 'news.example.com' });
    expect(result.started).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SITE_URL');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
