import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../with-safe-content.ts';
import { MAX_HEADER_BYTES, MAX_URL_LENGTH, targetStart } from '../../src/http/guards.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

const SITE_JSON_CANARY = 'site-json-canary-5d1c';

async function appWith(options: AppOptions = {}) {
  const data = await dataset({
    site: siteRecord({ 'x-canary': SITE_JSON_CANARY }),
    posts: { 'board-meeting': postRecord({ title: 'Board meeting' }) },
    media: { 'photo.png': new Uint8Array([137, 80, 78, 71]), 'docs/report.txt': 'the report' },
  });
  return createApp({ dataset: data, options });
}

/** A request with its target exactly as written: `app.request` with a path would normalise it first. */
const send = async (app: Awaited<ReturnType<typeof appWith>>, target: string, init: RequestInit = {}) =>
  app.fetch(new Request(`http://localhost${target}`, init));

async function expectRefusal(res: Response, status: number, reason: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBeTruthy();
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.text()).trimEnd();
  expect(body).toMatch(reason);
  expect(body.split('\n')).toHaveLength(1);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
}

describe('requestGuards', () => {
  it.each(['PROPFIND', 'BREW', 'PURGE', 'M-SEARCH', 'QUERY'])('answers the unknown method %s with 405, on any path', async (method) => {
    for (const target of ['/rss.xml', '/no-such-page']) {
      const res = await send(await appWith(), target, { method });
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      await expectRefusal(res, 405, new RegExp(`^${method} is not a method this server implements; it answers GET, HEAD and OPTIONS\\.$`));
    }
  });

  it('still answers a known method it does not allow with 405, and OPTIONS with 204', async () => {
    const app = await appWith();
    const res = await send(app, '/rss.xml', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await send(app, '/rss.xml', { method: 'OPTIONS' })).status).toBe(204);
  });

  it(`refuses a URL longer than ${MAX_URL_LENGTH} characters with 414, path and query together`, async () => {
    const app = await appWith();
    const padding = (length: number) => 'a'.repeat(length);
    // `/posts/` and the slug: exactly the limit is still a request like any other (here a 404).
    expect((await send(app, `/posts/${padding(MAX_URL_LENGTH - '/posts/'.length)}`)).status).toBe(404);
    await expectRefusal(await send(app, `/posts/${padding(MAX_URL_LENGTH)}`), 414, /^The URL is longer than 2048 characters\.$/);
    await expectRefusal(await send(app, `/rss.xml?q=${padding(MAX_URL_LENGTH)}`), 414, /longer than 2048/);
  });

  it(`refuses headers over ${MAX_HEADER_BYTES} bytes with 431`, async () => {
    const app = await appWith();
    expect((await send(app, '/rss.xml', { headers: { 'X-Padding': 'a'.repeat(8000) } })).status).toBe(200);
    const res = await send(app, '/rss.xml', { headers: { 'X-Padding': 'a'.repeat(MAX_HEADER_BYTES) } });
    await expectRefusal(res, 431, /^The request headers are larger than 16384 bytes\.$/);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`X-Part-${i}`, 'b'.repeat(500)]));
    expect((await send(app, '/rss.xml', { headers: many })).status).toBe(431);
  });

  it.each(['/posts/%E0%A4%A/', '/posts/%zz/', '/posts/%/', '/posts/%FF%FE/', '/media/%C0%AF'])(
    'answers the malformed percent-encoding of %s with 400',
    async (target) => {
      await expectRefusal(await send(await appWith(), target), 400, /^The path is not valid percent-encoding\.$/);
    },
  );

  it.each(['/rss.xml?limit=%', '/rss.xml?page=%G1', '/?q=%E0%A4%A'])('answers the malformed query %s with 400', async (target) => {
    await expectRefusal(await send(await appWith(), target), 400, /^The query is not valid percent-encoding\.$/);
  });

  it('lets well-formed encodings through', async () => {
    const app = await appWith();
    expect((await send(app, '/media/docs%2Freport.txt')).status).toBe(200);
    expect((await send(app, '/media/photo%2Epng')).status).toBe(200);
    expect((await send(app, '/rss.xml?utm_source=a%20b&x=%E2%9C%93')).status).toBe(200);
    expect((await send(app, '/posts/board-meeting/')).status).toBe(200);
  });

  it.each([
    ['/media/..%2fsite.json', /"\." or "\.\." segments/],
    ['/media/..%2F..%2Fpackage.json', /"\." or "\.\." segments/],
    ['/media/%2e%2e%2fsite.json', /"\." or "\.\." segments/],
    ['/media/docs/..%2f..%2f..%2fetc/passwd', /"\." or "\.\." segments/],
    ['/media/.%2fphoto.png', /"\." or "\.\." segments/],
    ['/media/..%5csite.json', /backslashes or control characters/],
    ['/media/photo.png%00.txt', /backslashes or control characters/],
    ['/media/%0d%0aSet-Cookie:x', /backslashes or control characters/],
  ])('refuses the climbing path %s with 400', async (target, reason) => {
    const res = await send(await appWith(), target);
    expect(await res.clone().text()).not.toContain(SITE_JSON_CANARY);
    await expectRefusal(res, 400, reason);
  });

  it.each(['/media/../site.json', '/media/%2e%2e/site.json', '/media/./../../package.json', '/media\\..\\site.json'])(
    '%s, resolved by the URL parser, finds nothing outside media/',
    async (target) => {
      const res = await send(await appWith(), target);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(SITE_JSON_CANARY);
    },
  );
});

describe('rateLimit', () => {
  const limited = (limit: number, windowSeconds: number, extra: Partial<NonNullable<AppOptions['rateLimit']>> = {}) => {
    const clock = { now: 1_000_000 };
    const app = appWith({
      rateLimit: { limit, windowSeconds, clientKey: (c) => c.req.header('X-Client'), now: () => clock.now, ...extra },
    });
    return { clock, app };
  };
  const from = (client: string) => ({ headers: { 'X-Client': client } });

  it('lets a client make `limit` requests, then answers 429 with Retry-After until a token comes back', async () => {
    const { clock, app: pending } = limited(3, 60);
    const app = await pending;
    for (let i = 0; i < 3; i++) expect((await send(app, '/rss.xml', from('a'))).status).toBe(200);
    const refused = await send(app, '/rss.xml', from('a'));
    expect(refused.headers.get('retry-after')).toBe('20');
    // A reader in the browser may see the refusal and how long to wait.
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.headers.get('access-control-expose-headers')).toBe('Retry-After');
    await expectRefusal(refused, 429, /^Too many requests: at most 3 every 60 seconds\. Try again in 20 seconds\.$/);

    clock.now += 19_000;
    expect((await send(app, '/rss.xml', from('a'))).headers.get('retry-after')).toBe('1');
    clock.now += 1_000;
    expect((await send(app, '/rss.xml', from('a'))).status).toBe(200);
    expect((await send(app, '/rss.xml', from('a'))).status).toBe(429);
  });

  it('counts every client on its own, and leaves a request without a key alone', async () => {
    const { app: pending } = limited(1, 60);
    const app = await pending;
    expect((await send(app, '/', from('a'))).status).toBe(200);
    expect((await send(app, '/', from('a'))).status).toBe(429);
    expect((await send(app, '/', from('b'))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await send(app, '/')).status).toBe(200);
  });

  it('counts refused and malformed requests too, and still refuses them for what they are once allowed', async () => {
    const { app: pending } = limited(2, 60);
    const app = await pending;
    expect((await send(app, '/posts/%zz/', from('a'))).status).toBe(400);
    expect((await send(app, '/nothing', from('a'))).status).toBe(404);
    expect((await send(app, '/posts/%zz/', from('a'))).status).toBe(429);
  });

  it('never asks for less than one second', async () => {
    const { app: pending } = limited(120, 60);
    const app = await pending;
    for (let i = 0; i < 120; i++) await send(app, '/healthz', from('a'));
    expect((await send(app, '/healthz', from('a'))).headers.get('retry-after')).toBe('1');
  });

  it('forgets the least recently seen client beyond maxClients', async () => {
    const { app: pending } = limited(1, 3600, { maxClients: 2 });
    const app = await pending;
    await send(app, '/', from('a'));
    await send(app, '/', from('b'));
    expect((await send(app, '/', from('a'))).status).toBe(429); // a is now the most recently seen
    await send(app, '/', from('c')); // three clients: b goes
    expect((await send(app, '/', from('b'))).status).toBe(200); // a fresh bucket; a goes
    expect((await send(app, '/', from('c'))).status).toBe(429);
    expect((await send(app, '/', from('a'))).status).toBe(200);
  });
});

describe('targetStart', () => {
  it.each([
    ['http://127.0.0.1:3000/rss.xml?page=2', 'http://127.0.0.1:3000', '/rss.xml?page=2'],
    ['https://news.example.com/', 'https://news.example.com', '/'],
    ['http://localhost//posts//x', 'http://localhost', '//posts//x'],
    ['http://[::1]:8080/a?b=http://c/d', 'http://[::1]:8080', '/a?b=http://c/d'],
    ['http://localhost', 'http://localhost', ''],
  ])('splits %s into the origin and the request target', (url, origin, target) => {
    const start = targetStart(url);
    expect([url.slice(0, start), url.slice(start)]).toEqual([origin, target]);
  });

  it('gives the app its links’ origin and the guards their target, one split for both', async () => {
    const app = createApp({ dataset: await dataset({ site: siteRecord({ url: undefined }), posts: {} }) });
    const json = (await (await send(app, '/feed.json?x=http://evil.example/')).json()) as { feed_url: string };
    expect(json.feed_url).toBe('http://localhost/feed.json');
    await expectRefusal(await send(app, `/${'a'.repeat(MAX_URL_LENGTH)}`), 414, /^The URL is longer than 2048 characters\.$/);
  });
});
