/**
 * The static export on hosts that know nothing of it: nginx with nothing but `root` in its
 * configuration (Debian's nginx-light), and `python3 -m http.server`. Each is crawled from `/` as a
 * reader would: every link of every page, every RFC 5005 link and `next_url` of every feed must answer
 * 200 with the bytes the server sends for the same address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataDir } from '../../src/node/data-folder.ts';
import { mediaFilesIn } from '../../src/node/media-files.ts';
import type { Dataset } from '../../src/posts/index.ts';
import { createApp } from '../with-safe-content.ts';
import { makeDataDir, postRecord, removeDir, run, siteRecord, skipped } from '../fixtures.ts';

const SITE_URL = 'https://press.example.org/news';
const NGINX = '/usr/sbin/nginx';
const PYTHON = '/usr/bin/python3';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7]);

const missing = async (program: string) =>
  access(program, constants.X_OK).then(
    () => undefined,
    () => `${program} not installed`,
  );
const nginxMissing = await missing(NGINX);
const pythonMissing = await missing(PYTHON);

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until something accepts connections on the port (the host is starting), or fails after 10 s. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`the host exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** nginx as a child, not a daemon: `root` and the paths a non-root process needs, nothing else. */
async function startNginx(root: string): Promise<{ url: string; child: ChildProcess; prefix: string }> {
  const prefix = await mkdtemp(path.join(tmpdir(), 'pressroom-nginx-'));
  const port = await freePort();
  const temp = (name: string) => `"${path.join(prefix, name)}"`;
  const config = `daemon off;
master_process off;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server {
    listen 127.0.0.1:${port};
    root "${root}";
  }
}
`;
  await mkdir(prefix, { recursive: true });
  await writeFile(path.join(prefix, 'nginx.conf'), config);
  const child = spawn(NGINX, ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', path.join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  await listening(port, child);
  return { url: `http://127.0.0.1:${port}`, child, prefix };
}

async function startPython(root: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'http.server', '--bind', '127.0.0.1', '--directory', root, String(port)], { stdio: 'ignore' });
  await listening(port, child);
  return { url: `http://127.0.0.1:${port}`, child };
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const decodeXml = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every URL in a page or a feed, written independently of the export's own crawler. */
function urlsIn(body: string, contentType: string): string[] {
  if (contentType.includes('json')) {
    const found: string[] = [];
    const walk = (value: unknown, key: string) => {
      if (typeof value === 'string' && /(url|image|icon|favicon)$/.test(key)) found.push(value);
      else if (Array.isArray(value)) value.forEach((item) => walk(item, key));
      else if (value && typeof value === 'object') for (const [name, member] of Object.entries(value)) if (name !== 'content_html') walk(member, name);
    };
    walk(JSON.parse(body), '');
    return found;
  }
  if (!/html|xml/.test(contentType)) return [];
  return [
    ...[...body.matchAll(/\b(?:href|src|url)="([^"]*)"/g)].map((m) => decodeXml(m[1]!)),
    ...[...body.matchAll(/<(?:link|loc)>([^<]*)<\/(?:link|loc)>/g)].map((m) => decodeXml(m[1]!)),
  ];
}

/** The RFC 5005 links of a feed, by relation: `next` is what a reader follows to older posts. */
function pageLinks(body: string, format: 'rss' | 'atom' | 'json'): Record<string, string> {
  if (format === 'json') {
    const feed = JSON.parse(body) as { next_url?: string };
    return feed.next_url ? { next: feed.next_url } : {};
  }
  const links: Record<string, string> = {};
  for (const [tag] of body.matchAll(/<(?:atom:)?link\b[^>]*>/g)) {
    const rel = /\brel="([^"]*)"/.exec(tag)?.[1];
    const href = /\bhref="([^"]*)"/.exec(tag)?.[1];
    if (rel && href && ['first', 'previous', 'next', 'last'].includes(rel)) links[rel] = decodeXml(href);
  }
  return links;
}

/** Each item's page, as the feed names it. */
function itemUrls(body: string, format: 'rss' | 'atom' | 'json'): string[] {
  if (format === 'json') return (JSON.parse(body) as { items: { url: string }[] }).items.map((item) => item.url);
  if (format === 'rss') return [...body.matchAll(/<item>.*?<link>([^<]*)<\/link>/gs)].map((m) => decodeXml(m[1]!));
  return [...body.matchAll(/<entry>.*?<link rel="alternate" type="text\/html" href="([^"]*)"/gs)].map((m) => decodeXml(m[1]!));
}

describe('the static export on hosts with no configuration of their own', () => {
  let dataDir = '';
  let work = '';
  let out = '';
  let app: ReturnType<typeof createApp>;
  let published: Dataset['posts'];
  beforeAll(async () => {
    const posts: Record<string, Record<string, unknown>> = {};
    for (let n = 1; n <= 9; n++) {
      posts[`update-${n}`] = postRecord({
        title: `Update ${n}`,
        published: `2024-03-0${n}`,
        categories: n % 2 ? ['Company News', 'City Hall'] : ['City Hall'],
        ...(n === 3 ? { authors: [{ name: 'María José' }], image: { url: '../media/plant.png', alt: 'The plant' } } : {}),
        ...(n === 4 ? { content: '<p>See <a href="/posts/update-2/">the second update</a> and <a href="../media/report%20final.txt">the report</a>.</p>' } : {}),
      });
    }
    posts.draft = postRecord({ title: 'Not yet', draft: true });
    posts.later = postRecord({ title: 'Far future', published: '2999-01-01', categories: ['City Hall'] });
    dataDir = await makeDataDir({
      site: siteRecord({ feedLimit: 2 }),
      posts,
      media: { 'plant.png': PNG, 'report final.txt': 'the report' },
    });
    work = await mkdtemp(path.join(tmpdir(), 'pressroom-export-hosts-'));
    out = path.join(work, 'site');
    const exported = await run(process.execPath, ['--import', 'tsx', 'scripts/export.ts', '--out', out, '--data', dataDir, '--site-url', SITE_URL]);
    if (exported.code !== 0) throw new Error(`export failed:\n${exported.stdout}${exported.stderr}`);
    const loaded = await loadDataDir(dataDir);
    if (!loaded.ok) throw new Error('fixture data should be valid');
    app = createApp({ dataset: loaded.dataset, options: { siteUrl: SITE_URL, media: mediaFilesIn(dataDir) } });
    published = loaded.dataset.posts.filter((post) => !post.draft && post.published.getTime() < Date.now());
  });
  afterAll(async () => {
    if (work) await removeDir(work);
    if (dataDir) await removeDir(dataDir);
  });

  const hosts = [
    { name: 'nginx, only root', missing: nginxMissing, start: async (root: string) => startNginx(root) },
    { name: 'python3 -m http.server', missing: pythonMissing, start: async (root: string) => ({ ...(await startPython(root)), prefix: undefined }) },
  ];

  describe.each(hosts)('$name', ({ name, missing: reason, start }) => {
    let host: { url: string; child: ChildProcess; prefix?: string | undefined } | undefined;
    beforeAll(async () => {
      if (!reason) host = await start(out);
    });
    afterAll(async () => {
      await stop(host?.child);
      if (host?.prefix) await removeDir(host.prefix);
    });

    /** The host's answer at an address of the site, and the server's at the same one. */
    const both = async (urlPath: string) => {
      const [fromHost, fromApp] = await Promise.all([fetch(`${host!.url}${urlPath}`, { redirect: 'manual' }), app.request(urlPath)]);
      return {
        host: { status: fromHost.status, bytes: new Uint8Array(await fromHost.arrayBuffer()) },
        app: { status: fromApp.status, bytes: new Uint8Array(await fromApp.arrayBuffer()), type: fromApp.headers.get('content-type') ?? '' },
      };
    };

    it.skipIf(Boolean(reason))(`answers every link from / with 200 and the server's bytes${skipped(reason)}`, async () => {
      const seen = new Set<string>(['/']);
      const queue = ['/'];
      const failures: string[] = [];
      let feeds = 0;
      for (let next = 0; next < queue.length; next++) {
        const urlPath = queue[next]!;
        const answer = await both(urlPath);
        if (answer.app.status !== 200) failures.push(`${urlPath}: the server answers ${answer.app.status}`);
        if (answer.host.status !== 200) failures.push(`${urlPath}: ${name} answers ${answer.host.status}`);
        else if (Buffer.compare(answer.host.bytes, answer.app.bytes) !== 0) failures.push(`${urlPath}: ${name} sends other bytes than the server`);
        if (/rss|atom|feed\+json/.test(answer.app.type)) feeds++;
        for (const link of urlsIn(new TextDecoder().decode(answer.app.bytes), answer.app.type)) {
          if (!link.startsWith(`${SITE_URL}/`)) continue;
          const local = link.slice(SITE_URL.length).replace(/#.*/, '');
          if (local.includes('?')) failures.push(`${urlPath} links ${link}, an address with a query no static host serves`);
          if (!seen.has(local)) {
            seen.add(local);
            queue.push(local);
          }
        }
      }
      expect(failures).toEqual([]);
      // Pages of posts, each post, categories, authors, paged feeds in three formats, media: all reached.
      for (const expected of ['/page/5/', '/page/5/feed.json', '/categories/city-hall/page/5/', '/categories/city-hall/page/5/rss.xml', '/posts/update-1/', `/authors/${encodeURIComponent('maría-josé')}/`, '/media/plant.png', '/media/report%20final.txt']) {
        expect(seen, expected).toContain(expected);
      }
      expect(feeds).toBeGreaterThan(30);
    });

    it.skipIf(Boolean(reason)).each(['rss', 'atom', 'json'] as const)(
      `following next from the %s feed visits every published post exactly once${skipped(reason)}`,
      async (format) => {
        const file = { rss: '/rss.xml', atom: '/atom.xml', json: '/feed.json' }[format];
        const items: string[] = [];
        let url: string | undefined = `${SITE_URL}${file}`;
        for (let pages = 0; url && pages < 20; pages++) {
          const res: Response = await fetch(`${host!.url}${url.slice(SITE_URL.length)}`, { redirect: 'manual' });
          expect(res.status, url).toBe(200);
          const body: string = await res.text();
          items.push(...itemUrls(body, format));
          url = pageLinks(body, format).next;
        }
        expect(url, 'the last page has no next').toBeUndefined();
        const expected = published.map((post) => `${SITE_URL}/posts/${post.slug}/`);
        expect(items.length).toBe(new Set(items).size);
        expect([...items].sort()).toEqual([...expected].sort());
        expect(items).toHaveLength(9);
      },
    );

    it.skipIf(Boolean(reason))(`answers the first page's RFC 5005 links as the server names them${skipped(reason)}`, async () => {
      const body = await (await app.request('/categories/city-hall/page/2/atom.xml')).text();
      const links = pageLinks(body, 'atom');
      expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next', 'previous']);
      for (const link of Object.values(links)) {
        const answer = await both(link.slice(SITE_URL.length));
        expect([link, answer.host.status]).toEqual([link, 200]);
        expect(Buffer.compare(answer.host.bytes, answer.app.bytes), link).toBe(0);
      }
    });
  });

});
