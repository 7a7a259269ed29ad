/**
 * The real Node server against hostile content and hostile requests, over raw sockets so that nothing
 * between the test and the server tidies a request up first.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, makeDataDir, postRecord, removeDir, siteRecord, startServer, writeDataDir, type RunningServer } from '../fixtures.ts';
import { NS, parseXml, xmlErrors, type XmlElement } from '../feeds/parse.ts';
import { sendBytes } from '../support.ts';

const SITE_CANARY = 'site-json-canary-93aa';
const OUTSIDE_CANARY = 'outside-the-data-canary-41f0';
/** A line of package.json that no page or feed has any reason to contain. */
const PACKAGE_JSON_LINE = '"@rowanmanning/feed-parser"';

/** A few characters of many scripts: RTL, combining marks, astral planes, joiners and overrides. */
const EVERY_SCRIPT =
  'Latin café Ελληνικά Кириллица Հայերեն עברית العربية देवनागरी বাংলা ไทย ქართული 한국어 ひらがな カタカナ 漢字 ' +
  'ኢትዮጵያ ᏣᎳᎩ ᠮᠣᠩᠭᠣᠯ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 😀 👩‍👩‍👧 🇳🇴 e\u0301 \u202Eevil\u202C \u200B\u200D \uFEFF';
const CONTROL_CHARS = '\u0001\u0002\u0008\u000B\u000C\u001F\uFFFE\uFFFF';
const HOSTILE_HTML =
  '<p onclick="steal()">Hi&nbsp;there &hellip; &eacute;</p><script>alert(1)</script><style>*{display:none}</style>' +
  '<iframe src="https://evil.example/"></iframe><a href="javascript:alert(1)">j</a><a href="jav&#x61;script:alert(1)">k</a>' +
  '<img src="x.png" onerror="alert(1)" alt=""><svg onload="alert(1)"></svg><form action="https://evil.example/"><input></form>';


const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`;

describe('the Node server with hostile content and hostile requests', () => {
  let root: string;
  let server: RunningServer;
  let packageJson: string;

  beforeAll(async () => {
    root = await makeDataDir();
    const data = path.join(root, 'data');
    await mkdir(data);
    await writeFile(path.join(root, 'secret.txt'), OUTSIDE_CANARY);
    const longTitle = `A very long title ${'with many words '.repeat(600)}`;
    const longBody = `<p>${`${EVERY_SCRIPT} `.repeat(2000)}</p>`;
    await writeDataDir(data, {
      site: siteRecord({ 'x-canary': SITE_CANARY, description: `Everything ${EVERY_SCRIPT}` }),
      posts: {
        hostile: postRecord({ title: `Hostile ${CONTROL_CHARS} <script>alert(1)</script>`, published: '2024-03-01', content: HOSTILE_HTML }),
        scripts: postRecord({ title: EVERY_SCRIPT, published: '2024-02-01', content: `<p>${EVERY_SCRIPT}${CONTROL_CHARS}&nbsp;&copy;&#x1F600;</p>` }),
        long: postRecord({ title: longTitle, published: '2024-01-01', content: longBody, categories: [EVERY_SCRIPT] }),
      },
      media: { 'photo.png': new Uint8Array([137, 80, 78, 71]) },
    });
    packageJson = await readFile(path.join(ROOT, 'package.json'), 'utf8');
    expect(packageJson).toContain(PACKAGE_JSON_LINE);
    server = await startServer({ DATA_DIR: data });
  });
  afterAll(async () => {
    await server?.stop();
    if (root) await removeDir(root);
  });

  const contentOf = (item: XmlElement, uri: string, local: string) =>
    item.children.find((child) => child.uri === uri && child.local === local)?.text ?? '';

  it('serves well-formed RSS and Atom, and valid JSON, whatever the posts contain', async () => {
    const rss = await (await fetch(`${server.url}/rss.xml`)).text();
    const atom = await (await fetch(`${server.url}/atom.xml`)).text();
    expect(xmlErrors(rss)).toEqual([]);
    expect(xmlErrors(atom)).toEqual([]);
    const feed = (await (await fetch(`${server.url}/feed.json`)).json()) as { items: { title: string; content_html: string }[] };

    const rssItems = parseXml(rss).children.find((c) => c.local === 'channel')!.children.filter((c) => c.local === 'item');
    const atomEntries = parseXml(atom).children.filter((c) => c.local === 'entry');
    const contents = [
      ...rssItems.map((item) => contentOf(item, NS.content, 'encoded')),
      ...atomEntries.map((entry) => contentOf(entry, NS.atom, 'content')),
      ...feed.items.map((item) => item.content_html),
    ];
    expect(contents).toHaveLength(9);
    for (const html of contents) {
      expect(html).not.toMatch(/<(script|style|iframe|form)\b|\son\w+=|javascript:/i);
    }
    // The publisher's markup stays, and the characters with it; the controls XML forbids are gone.
    const hostile = feed.items.find((item) => item.title.startsWith('Hostile'))!;
    expect(hostile.title).toBe('Hostile  <script>alert(1)</script>');
    expect(hostile.content_html).toContain('<p>Hi\u00a0there … é</p>');
    expect(hostile.content_html).toContain('<img src="');
    const scripts = feed.items.find((item) => item.content_html.includes('Ελληνικά'))!;
    expect(scripts.title).toBe(EVERY_SCRIPT);
    expect(scripts.content_html).toBe(`<p>${EVERY_SCRIPT}\u00a0©😀</p>`);
    expect(feed.items.some((item) => item.title.length > 9000)).toBe(true);
  });

  it('serves pages with nothing that runs, under a strict CSP', async () => {
    for (const slug of ['hostile', 'scripts', 'long']) {
      const res = await fetch(`${server.url}/posts/${slug}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/script-src|unsafe-inline/);
      const page = await res.text();
      expect(page).not.toMatch(/<(script|style|iframe|form)\b|\son\w+=|javascript:/i);
    }
    expect(await (await fetch(`${server.url}/posts/scripts/`)).text()).toContain(EVERY_SCRIPT.replace("'", '&#39;'));
  });

  it.each([
    ['the encoded climb ..%2f', get('/media/..%2fsite.json'), 400, /segments/],
    ['the encoded climb to outside the data', get('/media/..%2f..%2fsecret.txt'), 400, /segments/],
    ['a backslash', get('/media/..\\site.json'), 400, /^The request could not be read: backslash in request path\.$/],
    ['an encoded backslash', get('/media/..%5c..%5cpackage.json'), 400, /backslashes or control characters/],
    ['an encoded NUL', get('/media/photo.png%00.txt'), 400, /backslashes or control characters/],
    ['malformed percent-encoding', get('/posts/%E0%A4%A'), 400, /^The path is not valid percent-encoding\.$/],
    ['a malformed query', get('/rss.xml?limit=%zz'), 400, /^The query is not valid percent-encoding\.$/],
    ['an overlong URL', get(`/posts/${'a'.repeat(3000)}`), 414, /^The URL is longer than 2048 characters\.$/],
    ['headers over Node\'s 16 KB', get('/', `X-Padding: ${'a'.repeat(20_000)}\r\n`), 431, /^The request headers are larger than 16 KB\.$/],
    ['an unknown method Node knows', 'PROPFIND /rss.xml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 405, /^PROPFIND is not a method/],
    ['a method Node does not know', 'BREW /rss.xml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 405, /is not a method this server implements/],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, /^CONNECT is not allowed here/],
    ['TRACE on a feed', 'TRACE /rss.xml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 405, /^TRACE is not allowed here/],
    ['a Host that is not a host', 'GET / HTTP/1.1\r\nHost: exa mple\r\nConnection: close\r\n\r\n', 400, /^The request could not be read/],
    ['bytes that are not HTTP', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400, /^The request is not valid HTTP\/1\.1\.$/],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n', 400, /^The request is not valid HTTP\/1\.1\.$/],
  ])('%s gets a 4xx with a reason and the security headers', async (_name, request, status, reason) => {
    const res = await sendBytes(server.url, request);
    expect(res.status).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBeTruthy();
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.trimEnd()).toMatch(reason);
    expect(res.body).not.toContain(OUTSIDE_CANARY);
    expect(res.body).not.toContain(SITE_CANARY);
  });

  it.each([
    ['a literal climb, resolved before routing', get('/media/../../secret.txt'), 'Nothing is at /secret.txt.'],
    ['an encoded-dot climb, resolved before routing', get('/media/%2e%2e/site.json'), 'Nothing is at /site.json.'],
  ])('%s gets the 404 page with the reason, and nothing of the file', async (_name, request, reason) => {
    const res = await sendBytes(server.url, request);
    expect(res.status).toBe(404);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.body).toContain(`<p class="lede reason">${reason}</p>`);
    expect(res.body).not.toContain(OUTSIDE_CANARY);
    expect(res.body).not.toContain(SITE_CANARY);
  });

  it.each([
    ['If-None-Match', ',,,"'],
    ['If-None-Match', 'W/'],
    ['If-Modified-Since', 'Tue, 32 Foo 1999 99:99:99 GMT'],
    ['Accept-Encoding', 'br;q=-1, gzip;q=NaN, ;;;'],
    ['Accept', 'text/html;q=abc,,,*/*;q=2'],
    ['Accept-Language', ';;;q=0'],
    ['Range', 'bytes=99999999999999-0'],
  ])('a malformed %s header is ignored, never an error', async (name, value) => {
    const res = await sendBytes(server.url, get('/rss.xml', `${name}: ${value}\r\n`));
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers any request target and headers with a non-5xx, and never with a file outside media/', async () => {
    const target = fc
      .array(
        fc.oneof(
          fc.constantFrom('media', 'posts', 'rss.xml', 'feed.json', 'site.json', 'secret.txt', 'package.json', 'photo.png', 'hostile',
            '..', '.', '%2e%2e', '..%2f', '%2f', '%5c', '\\', '%00', '%', '%zz', '%C0%AF', '//', '~', ';x', '?limit=-1', '?page=1e309',
            '?limit=%', '#frag', 'a'.repeat(600)),
          fc.string({ maxLength: 10 }).map((s) => s.replace(/[\s\x00-\x1f\x7f]/g, '')),
        ),
        { maxLength: 6 },
      )
      .map((parts) => `/${parts.join('/')}`);
    const header = fc.tuple(
      fc.constantFrom('If-None-Match', 'If-Modified-Since', 'Accept-Encoding', 'Accept', 'Range', 'X-Forwarded-For', 'Cookie'),
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n\x00]/g, '')),
    );
    const method = fc.constantFrom('GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE', 'PROPFIND', 'BREW', 'M-SEARCH');
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(method, target, fc.array(header, { maxLength: 4 }), async (m, t, hs) => {
        const headerLines = hs.map(([name, value]) => `${name}: ${value}\r\n`).join('');
        const request = `${m} ${t} HTTP/1.1\r\nHost: localhost\r\n${headerLines}Accept-Encoding: identity\r\nConnection: close\r\n\r\n`;
        const res = await sendBytes(server.url, request);
        answered++;
        expect(res.status, `${m} ${t}`).toBeLessThan(500);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.body).not.toContain(OUTSIDE_CANARY);
        expect(res.body).not.toContain(SITE_CANARY);
        expect(res.body).not.toContain(PACKAGE_JSON_LINE);
      }),
      { numRuns: 300 },
    );
    expect(answered).toBe(300);
    // Still up and still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });
});
