/**
 * Live reload of the real Node server: edits to a temporary data folder, good and bad, while it serves.
 * Every wait is a bounded poll of /healthz, never a blind sleep: a slow machine only waits longer.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, makeDataDir, postRecord, printed, removeDir, siteRecord, startServer, writeDataDir, type RunningServer } from '../fixtures.ts';

interface Health {
  status: 'ok' | 'degraded';
  posts: number;
  version: string;
  problems?: { file: string; path?: string; message: string }[];
}

const json = (record: Record<string, unknown>) => `${JSON.stringify(record, null, 2)}\n`;

async function health(server: RunningServer): Promise<Health> {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  return (await res.json()) as Health;
}

/** Polls /healthz until `done` holds; fails with the last answer and the server's output after 15 s. */
async function healthWhen(server: RunningServer, done: (h: Health) => boolean, timeoutMs = 15_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last = await health(server);
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(`/healthz never got there; last: ${JSON.stringify(last)}\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await health(server);
  }
  return last;
}

async function feedTitles(server: RunningServer): Promise<string[]> {
  const feed = (await (await fetch(`${server.url}/feed.json`)).json()) as { items: { title: string }[] };
  return feed.items.map((item) => item.title);
}

describe('the Node server watching its data folder', () => {
  let dir: string;
  let server: RunningServer;
  const post = (name: string) => path.join(dir, 'posts', `${name}.json`);

  /** Every test starts from these two posts, served: none depends on what another left behind. */
  const START = {
    site: siteRecord(),
    posts: {
      'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01' }),
      'new-plant': postRecord({ title: 'New plant', published: '2024-03-01' }),
    },
  };
  let startVersion = '';

  beforeAll(async () => {
    dir = await makeDataDir(START);
    server = await startServer({ DATA_DIR: dir });
    startVersion = (await health(server)).version;
  });
  beforeEach(async () => {
    for (const name of await readdir(path.join(dir, 'posts'))) {
      if (!(name.replace(/\.json$/, '') in START.posts)) await rm(path.join(dir, 'posts', name));
    }
    await writeDataDir(dir, START);
    await healthWhen(server, (h) => h.status === 'ok' && h.version === startVersion);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await removeDir(dir);
  });

  it('serves a valid edit without a restart', async () => {
    const before = await health(server);
    expect(before).toMatchObject({ status: 'ok', posts: 2 });
    await writeFile(post('annual-report'), json(postRecord({ title: 'Annual report', published: '2024-04-01' })));
    const after = await healthWhen(server, (h) => h.posts === 3);
    expect(after.status).toBe('ok');
    expect(after.version).not.toBe(before.version);
    expect(await feedTitles(server)).toEqual(['Annual report', 'New plant', 'Board meeting']);
    await printed(server, `Reloaded ${dir} (files changed): version ${after.version}`);
  });

  it('keeps the last good version through broken JSON, names the file on /healthz, and recovers', async () => {
    const good = await health(server);
    await writeFile(post('new-plant'), '{ "title": "New plant, renamed", ');
    const degraded = await healthWhen(server, (h) => h.status === 'degraded');
    expect(degraded.version).toBe(good.version);
    expect(degraded.posts).toBe(2);
    expect(degraded.problems).toHaveLength(1);
    expect(degraded.problems?.[0]?.file).toBe(post('new-plant'));
    // The message says what is wrong; the file is named once, beside it, not again inside it.
    expect(degraded.problems?.[0]?.message).toMatch(/^invalid JSON: line \d+, column \d+/);
    expect(await feedTitles(server)).toEqual(['New plant', 'Board meeting']);
    await printed(server, `${post('new-plant')}: ${degraded.problems?.[0]?.message}`);
    await printed(server, `Still serving version ${good.version}: fix the problems above.`);

    await writeFile(post('new-plant'), json(postRecord({ title: 'New plant, renamed', published: '2024-03-01' })));
    const fixed = await healthWhen(server, (h) => h.status === 'ok');
    expect(fixed.problems).toBeUndefined();
    expect(fixed.version).not.toBe(good.version);
    expect(await feedTitles(server)).toEqual(['New plant, renamed', 'Board meeting']);
  });

  it('treats a half-written file as broken until the rest arrives', async () => {
    const good = await health(server);
    const whole = json(postRecord({ title: 'Quarterly figures', published: '2024-05-01', content: `<p>${'Figures. '.repeat(200)}</p>` }));
    await writeFile(post('quarterly-figures'), whole.slice(0, Math.floor(whole.length / 2)));
    const degraded = await healthWhen(server, (h) => h.status === 'degraded');
    expect(degraded.version).toBe(good.version);
    expect(degraded.problems?.map((p) => p.file)).toEqual([post('quarterly-figures')]);
    expect(await feedTitles(server)).not.toContain('Quarterly figures');

    await writeFile(post('quarterly-figures'), whole);
    await healthWhen(server, (h) => h.status === 'ok' && h.posts === 3);
    expect((await feedTitles(server))[0]).toBe('Quarterly figures');
  });

  it('refuses a schema error and a duplicate slug together, listing both', async () => {
    const good = await health(server);
    await writeFile(post('bad-date'), json(postRecord({ title: 'Bad date', published: 'yesterday' })));
    await writeFile(post('copy'), json(postRecord({ title: 'A copy', slug: 'board-meeting' })));
    const degraded = await healthWhen(server, (h) => h.status === 'degraded' && (h.problems?.length ?? 0) >= 2);
    expect(degraded.version).toBe(good.version);
    expect(degraded.problems).toEqual(
      expect.arrayContaining([
        {
          file: post('bad-date'),
          path: 'published',
          message: `expected an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00), got "yesterday"`,
        },
        {
          file: post('copy'),
          path: 'slug',
          message: `"board-meeting" is already the slug of ${post('board-meeting')}`,
        },
      ]),
    );
    expect(degraded.problems).toHaveLength(2);
    expect(await feedTitles(server)).not.toContain('A copy');
    const page = await fetch(`${server.url}/posts/board-meeting/`);
    expect(await page.text()).toContain('<h1>Board meeting</h1>');

    await rm(post('bad-date'));
    await rm(post('copy'));
    const fixed = await healthWhen(server, (h) => h.status === 'ok');
    // The files are as they were, so the data is the very version served all along.
    expect(fixed.version).toBe(good.version);
    await printed(server, `The data in ${dir} is valid again (files changed): version ${good.version}`);
  });

  it('keeps serving when site.json breaks', async () => {
    const good = await health(server);
    await writeFile(path.join(dir, 'site.json'), json(siteRecord({ language: 42 })));
    const degraded = await healthWhen(server, (h) => h.status === 'degraded');
    expect(degraded.version).toBe(good.version);
    expect(degraded.problems?.map((p) => [p.file, p.path])).toEqual([[path.join(dir, 'site.json'), 'language']]);
    expect((await fetch(`${server.url}/rss.xml`)).status).toBe(200);

    await writeFile(path.join(dir, 'site.json'), json(siteRecord()));
    await healthWhen(server, (h) => h.status === 'ok');
  });

  it('folds a burst of writes into few reloads and serves the last', async () => {
    const reloads = () => server.output().split('\n').filter((line) => line.startsWith('Reloaded ')).length;
    const before = reloads();
    const writes = 20;
    for (let i = 1; i <= writes; i++) {
      await writeFile(post('new-plant'), json(postRecord({ title: `New plant, draft ${i}`, published: '2024-03-01' })));
    }
    const deadline = Date.now() + 15_000;
    while (!(await feedTitles(server)).includes(`New plant, draft ${writes}`)) {
      if (Date.now() > deadline) throw new Error(`the last write was never served:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await health(server)).status).toBe('ok');
    expect(reloads() - before).toBeGreaterThanOrEqual(1);
    expect(reloads() - before).toBeLessThan(writes);
  });

  it('takes a deleted post out', async () => {
    const good = await health(server);
    await rm(post('new-plant'));
    const after = await healthWhen(server, (h) => h.posts === good.posts - 1);
    expect(after.status).toBe('ok');
    expect(await feedTitles(server)).not.toContain('New plant');
    expect((await fetch(`${server.url}/posts/new-plant/`)).status).toBe(404);
  });
});

describe('the Node server with WATCH=0', () => {
  let dir: string;
  let server: RunningServer;
  /** The same folder served with WATCH=1: when it has seen an edit, a watcher had its chance. */
  let watching: RunningServer;
  beforeAll(async () => {
    dir = await makeDataDir({ posts: { first: postRecord({ title: 'First' }) } });
    [server, watching] = await Promise.all([
      startServer({ DATA_DIR: dir, WATCH: '0' }),
      startServer({ DATA_DIR: dir, WATCH: '1' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), watching?.stop()]);
    if (dir) await removeDir(dir);
  });

  it('reloads on SIGHUP only', async () => {
    const before = await health(server);
    await writeFile(path.join(dir, 'posts', 'second.json'), json(postRecord({ title: 'Second', published: '2024-03-02' })));
    // No fixed wait: the watching server reloading is the moment a watcher, were there one, would have acted.
    await healthWhen(watching, (h) => h.posts === 2);
    expect(await health(server)).toEqual(before);

    server.process.kill('SIGHUP');
    const after = await healthWhen(server, (h) => h.posts === 2 && h.version !== before.version);
    expect(after.version).not.toBe(before.version);
    await printed(server, `Reloaded ${dir} (SIGHUP): version ${after.version}`);
  });

  it('keeps the last good version when SIGHUP finds broken data', async () => {
    await writeFile(path.join(dir, 'posts', 'second.json'), json(postRecord({ title: 'Second', published: '2024-03-02' })));
    server.process.kill('SIGHUP');
    const good = await healthWhen(server, (h) => h.status === 'ok' && h.posts === 2);
    await writeFile(path.join(dir, 'posts', 'second.json'), '{');
    server.process.kill('SIGHUP');
    const degraded = await healthWhen(server, (h) => h.status === 'degraded');
    expect(degraded.version).toBe(good.version);
    expect(degraded.problems?.[0]?.file).toBe(path.join(dir, 'posts', 'second.json'));
    expect(await feedTitles(server)).toEqual(['Second', 'First']);
  });
});

describe('the Node server with its data folder inside the working directory', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    await mkdir(path.join(ROOT, 'test-output'), { recursive: true });
    dir = await mkdtemp(path.join(ROOT, 'test-output', 'data-'));
    await writeDataDir(dir, { posts: { first: postRecord({ title: 'First' }) } });
    server = await startServer({ DATA_DIR: dir, WATCH: '0' });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await removeDir(dir);
  });

  it('names problems on /healthz relative to it, never by the server’s absolute path', async () => {
    await writeFile(path.join(dir, 'posts', 'second.json'), json(postRecord({ title: 'Second', published: 'soon' })));
    server.process.kill('SIGHUP');
    const degraded = await healthWhen(server, (h) => h.status === 'degraded');
    const shown = path.relative(ROOT, path.join(dir, 'posts', 'second.json'));
    expect(degraded.problems).toEqual([
      {
        file: shown,
        path: 'published',
        message: 'expected an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00), got "soon"',
      },
    ]);
    expect(JSON.stringify(degraded)).not.toContain(ROOT);
  });
});
