/**
 * Arbitrary requests through the whole app: paths, queries, methods and headers, hostile and plain. Never
 * a 5xx, always the security headers, never a byte of a file outside `media/`. The real server gets the
 * same treatment over raw sockets in test/e2e/hostile.test.ts.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/http/respond.ts';
import { dataset, postRecord, siteRecord } from '../fixtures.ts';

const CANARY = 'site-json-canary-0b7e';

/** The body as text, whatever the encoding negotiated. */
async function bodyOf(res: Response): Promise<string> {
  const bytes = Buffer.from(await res.arrayBuffer());
  // A HEAD (or 304) has no body to decode, whatever Content-Encoding the GET would have had.
  if (bytes.byteLength === 0) return '';
  const coding = res.headers.get('content-encoding');
  return (coding === 'gzip' ? gunzipSync(bytes) : coding === 'br' ? brotliDecompressSync(bytes) : bytes).toString('utf8');
}
const NOW = new Date('2024-06-01T00:00:00Z');

const app = createApp({
  dataset: await dataset({
    site: siteRecord({ 'x-canary': CANARY }),
    posts: {
      'board-meeting': postRecord({ title: 'Board meeting', published: '2024-02-01' }),
      hostile: postRecord({
        title: 'Hostile <script>alert(1)</script>',
        published: '2024-03-01',
        content: '<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:alert(1)">j</a>',
      }),
      later: postRecord({ title: 'Later', published: '2999-01-01' }),
    },
    media: { 'photo.png': new Uint8Array([137, 80, 78, 71]), 'docs/report.txt': 'the report' },
  }),
  options: { now: () => NOW, rateLimit: { limit: 1_000_000, windowSeconds: 1, clientKey: (c) => c.req.header('X-Client') } },
});

const segment = fc.oneof(
  fc.constantFrom(
    '', '.', '..', '%2e', '%2e%2e', '.%2e', '..%2f', '%2f', '%2F..', '%5c', '%00', '%0a', '%', '%%', '%zz', '%E0%A4%A',
    '%FF', '%C0%AF', '%25', '%252e%252e', 'site.json', 'package.json', 'media', 'posts', 'rss.xml', 'atom.xml', 'feed.json',
    'photo.png', 'docs', 'report.txt', 'board-meeting', 'hostile', 'later', 'healthz', 'style.css', '~', ';', '@', ':',
    'a'.repeat(300), 'Ünïcödé', '日本語', '%F0%9F%98%80', '+', "'", '"', '<script>', '&amp;', 'etc', 'passwd',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.array(segment, { minLength: 0, maxLength: 8 }).map((parts) => `/${parts.join('/')}`);
const queryValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '1', '20', '100', '101', '1e309', '99999999999999999999', 'NaN', 'Infinity', '0x10', '1.5', ' 1', '%', '%zz', '%00', 'a'.repeat(500)),
  fc.string({ maxLength: 8 }).map(encodeURIComponent),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(fc.constantFrom('limit', 'page', 'q', 'format', 'utm_source', '', '%', 'a[]'), queryValue), { maxLength: 4 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    '', '*', 'W/"x"', '"x"', ',,,', '"', 'W/', 'garbage', 'Tue, 32 Foo 1999 99:99:99 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT',
    'Sat, 01 Jan 3000 00:00:00 GMT', 'gzip;q=2', 'br;q=-1, gzip;q=NaN', '*;q=0', 'identity;q=0, *;q=0', ';;;', 'q=0.5',
    'text/html;q=abc', 'en;q=', 'bytes=0-0', 'bytes=9999999999-', 'a'.repeat(4000),
  ),
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
);
const headers = fc.dictionary(
  fc.constantFrom('If-None-Match', 'If-Modified-Since', 'Accept-Encoding', 'Accept', 'Accept-Language', 'Range', 'If-Range', 'Cache-Control', 'Origin', 'X-Client', 'Cookie'),
  headerValue,
  { maxKeys: 5 },
);
const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'BREW', 'M-SEARCH', 'get');

describe('any request', () => {
  it('gets a 2xx, 3xx or 4xx with the security headers, never anything outside media/', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, path, query, headers, async (m, p, q, h) => {
        const request = new Request(`http://localhost${p}${q}`, { method: m, headers: h });
        const res = await app.fetch(request);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${m} ${p}${q}`).toBeLessThan(500);
        if (res.status === 304) {
          // RFC 9111 §4.3.4: a 304 updates the stored 200, which keeps the headers the 304 leaves out;
          // it says only what RFC 9110 §15.4.5 asks, and never has a body to sniff.
          expect(res.headers.get('etag')).toBeTruthy();
          expect(res.headers.get('content-type')).toBeNull();
        } else {
          expect(res.headers.get('x-content-type-options')).toBe('nosniff');
          expect(res.headers.get('referrer-policy')).toBeTruthy();
        }
        if (res.headers.get('content-type')?.startsWith('text/html')) {
          expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
        }
        const body = await bodyOf(res);
        expect(body).not.toContain(CANARY);
        // Pages show the publisher's HTML as such: it must have lost everything that runs.
        if (res.headers.get('content-type')?.startsWith('text/html')) expect(body).not.toMatch(/<script|onclick=|javascript:/i);
        // A refusal is one sentence; a 404 page (HTML, for people following links) holds that sentence.
        if (res.status >= 400 && body && res.headers.get('content-type')?.startsWith('text/html')) {
          expect(res.status, `${m} ${p}${q}`).toBe(404);
          expect(body, `${m} ${p}${q}`).toMatch(/<p class="lede reason">[^<\n]+<\/p>/);
        } else if (res.status >= 400) expect(body.trimEnd().split('\n'), `${m} ${p}${q}`).toHaveLength(1);
      }),
      { numRuns: 1000 },
    );
    // The generators reach the interesting answers, not only 404s: a fuzz that never hits a route proves little.
    for (const status of [200, 204, 400, 404, 405]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });
});
