import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HubNotifier, retryAfterMs, type HubNotifierOptions } from '../../src/node/hub-notifier.ts';
import { startRecordingHub, type HubAnswer, type RecordingHub } from './recording-hub.ts';

const FEED = 'https://news.example.com/rss.xml';
const ATOM = 'https://news.example.com/atom.xml';

let hub: RecordingHub;
let sleeps: number[];
let lines: string[];
beforeEach(async () => {
  hub = await startRecordingHub();
  sleeps = [];
  lines = [];
});
afterEach(() => hub.close());

/** A notifier for the recording hub that records its waits instead of waiting. */
const notifier = (options: Partial<HubNotifierOptions> = {}) =>
  new HubNotifier({
    hub: hub.url,
    sleep: async (ms) => void sleeps.push(ms),
    log: (line) => lines.push(line),
    ...options,
  });

/** A promise and its resolve, to hold the hub's answer or a wait until the test says so. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error('timed out waiting');
};

describe('HubNotifier', () => {
  it('POSTs hub.mode=publish and hub.url, form-encoded, one request per URL, duplicates dropped', async () => {
    const results = await notifier().notify([FEED, ATOM, FEED]);
    expect(hub.requests).toHaveLength(2);
    for (const request of hub.requests) {
      expect(request.method).toBe('POST');
      expect(request.contentType).toBe('application/x-www-form-urlencoded');
      expect(Object.keys(request.form)).toEqual(['hub.mode', 'hub.url']);
      expect(request.form['hub.mode']).toEqual(['publish']);
    }
    expect(hub.requests[0]!.body).toBe(`hub.mode=publish&hub.url=${encodeURIComponent(FEED)}`);
    expect(hub.published().sort()).toEqual([ATOM, FEED]);
    expect(results).toEqual([
      { url: FEED, outcome: 'accepted', attempts: 1, detail: '204 No Content' },
      { url: ATOM, outcome: 'accepted', attempts: 1, detail: '204 No Content' },
    ]);
    expect(lines).toEqual([]);
  });

  it('calls the runtime\'s fetch as a plain function, which Workers require', async () => {
    const original = globalThis.fetch;
    // Like Workers' fetch: any `this` but none or the global object is an "Illegal invocation".
    globalThis.fetch = function fetch(this: unknown, input: string | URL | Request, init?: RequestInit) {
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
      return original(input, init);
    } as typeof globalThis.fetch;
    try {
      const results = await notifier().notify([FEED]);
      expect(results.map((result) => result.outcome)).toEqual(['accepted']);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('returns at once: the caller never waits for the hub', async () => {
    const held = deferred<HubAnswer>();
    hub.answer = () => held.promise;
    let settled = false;
    const pending = notifier().notify([FEED]).then(() => (settled = true));
    await until(() => hub.requests.length === 1);
    expect(settled).toBe(false);
    held.resolve({ status: 204 });
    await pending;
    expect(settled).toBe(true);
  });

  it('retries a 5xx with doubling backoff, then succeeds', async () => {
    hub.answer = (_request, index) => (index < 2 ? { status: 503, body: 'busy\nmore' } : { status: 202 });
    const [result] = await notifier().notify([FEED]);
    expect(result).toEqual({ url: FEED, outcome: 'accepted', attempts: 3, detail: '202 Accepted' });
    expect(sleeps).toEqual([1000, 2000]);
    expect(lines).toEqual([
      `WebSub: ${hub.url} for ${FEED}: 503 Service Unavailable: busy; retrying in 1 s (attempt 2 of 6)`,
      `WebSub: ${hub.url} for ${FEED}: 503 Service Unavailable: busy; retrying in 2 s (attempt 3 of 6)`,
    ]);
  });

  it('gives up after the retries, with the waits capped, and says so in one line', async () => {
    hub.answer = () => ({ status: 500 });
    const [result] = await notifier({ maxBackoffMs: 3000 }).notify([FEED]);
    expect(result).toMatchObject({ outcome: 'failed', attempts: 6, detail: '500 Internal Server Error' });
    expect(sleeps).toEqual([1000, 2000, 3000, 3000, 3000]);
    expect(hub.requests).toHaveLength(6);
    expect(lines.at(-1)).toBe(`WebSub: gave up notifying ${hub.url} of ${FEED} after 6 attempts: 500 Internal Server Error`);
  });

  it('gives up at once on a 4xx, logging the hub’s reason', async () => {
    hub.answer = () => ({ status: 400, body: 'hub.url is not a topic of this hub' });
    const [result] = await notifier().notify([FEED]);
    expect(result).toEqual({ url: FEED, outcome: 'refused', attempts: 1, detail: '400 Bad Request: hub.url is not a topic of this hub' });
    expect(sleeps).toEqual([]);
    expect(lines).toEqual([`WebSub: ${hub.url} refused ${FEED}: 400 Bad Request: hub.url is not a topic of this hub`]);
  });

  it('does not follow a redirect, which would turn the POST into a GET', async () => {
    hub.answer = (request) => (request.method === 'POST' ? { status: 301, headers: { Location: `${hub.url}/new` } } : { status: 200 });
    const [result] = await notifier().notify([FEED]);
    expect(result).toMatchObject({ outcome: 'refused', detail: `301 Moved Permanently (moved to ${hub.url}/new: set the hub to it)` });
    expect(hub.requests.map((request) => request.method)).toEqual(['POST']);
  });

  it('waits as long as a 429’s Retry-After asks, within the cap', async () => {
    hub.answer = (_request, index) => (index === 0 ? { status: 429, headers: { 'Retry-After': '7' } } : { status: 204 });
    const [result] = await notifier().notify([FEED]);
    expect(result).toMatchObject({ outcome: 'accepted', attempts: 2 });
    expect(sleeps).toEqual([7000]);
  });

  it('retries when the hub cannot be reached, and never rejects', async () => {
    await hub.close();
    const [result] = await notifier({ retries: 2 }).notify([FEED]);
    expect(result).toMatchObject({ outcome: 'failed', attempts: 3, detail: 'connection refused' });
    expect(sleeps).toEqual([1000, 2000]);
    hub = await startRecordingHub(); // for afterEach
  });

  it('never rejects, even when the injected fetch throws or the hub URL is not one', async () => {
    const throwing = notifier({ retries: 0, fetch: () => { throw new TypeError('boom'); } });
    await expect(throwing.notify([FEED])).resolves.toMatchObject([{ outcome: 'failed', detail: 'boom' }]);
    const nonsense = new HubNotifier({ hub: 'not a url', retries: 0, log: (line) => lines.push(line) });
    await expect(nonsense.notify([FEED])).resolves.toMatchObject([{ outcome: 'failed', attempts: 1 }]);
    const failingReport = notifier();
    await expect(failingReport.notify([FEED], () => { throw new Error('terminal gone'); })).resolves.toHaveLength(1);
    expect(lines.at(-1)).toBe(`WebSub: reporting ${FEED} failed: terminal gone`);
  });

  it('coalesces a URL already waiting: one more request, one result for both callers', async () => {
    const wait = deferred();
    hub.answer = (_request, index) => (index === 0 ? { status: 503 } : { status: 204 });
    const waiting = notifier({ sleep: (ms) => (sleeps.push(ms), wait.promise) });
    const first = waiting.notify([FEED]);
    await until(() => sleeps.length === 1);
    const second = waiting.notify([FEED, ATOM]);
    wait.resolve();
    const [a, b] = [await first, await second];
    expect(a[0]).toEqual(b[0]);
    expect(a[0]).toMatchObject({ outcome: 'accepted', attempts: 2 });
    // The 503 and its retry for FEED, no third; ATOM once.
    expect(hub.published().sort()).toEqual([ATOM, FEED, FEED]);
  });

  it('sends once more when the feed changed again while its request was on the way', async () => {
    const held = deferred<HubAnswer>();
    hub.answer = (_request, index) => (index === 0 ? held.promise : { status: 204 });
    const sender = notifier();
    const first = sender.notify([FEED]);
    await until(() => hub.requests.length === 1);
    const again = sender.notify([FEED]);
    held.resolve({ status: 204 });
    expect(await first).toEqual(await again);
    expect(hub.published()).toEqual([FEED, FEED]);
    await sender.idle();
    const later = await sender.notify([FEED]);
    expect(later[0]).toMatchObject({ outcome: 'accepted', attempts: 1 });
    expect(hub.published()).toEqual([FEED, FEED, FEED]);
  });

  it('keeps to its concurrency', async () => {
    let open = 0;
    let most = 0;
    hub.answer = async () => {
      most = Math.max(most, ++open);
      await new Promise((r) => setTimeout(r, 10));
      open--;
      return { status: 204 };
    };
    const urls = Array.from({ length: 9 }, (_, i) => `https://news.example.com/categories/c${i}/rss.xml`);
    const results = await notifier({ concurrency: 2 }).notify(urls);
    expect(results.map((result) => result.outcome)).toEqual(urls.map(() => 'accepted'));
    expect(most).toBe(2);
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2024-06-01T00:00:00Z');
  it('reads seconds and HTTP dates, and ignores nonsense', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sat, 01 Jun 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Fri, 31 May 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
