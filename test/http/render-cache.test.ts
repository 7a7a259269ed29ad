import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RENDER_CACHE_DEFAULTS, RenderCache } from '../../src/http/render-cache.ts';

interface Body {
  name: string;
  size: number;
}
const body = (name: string, size = 10): Body => ({ name, size });

/** A render that is finished only when the test says so, and counts how often it was started. */
function deferredRender(value: Body) {
  let calls = 0;
  let settle: { resolve: (v: Body) => void; reject: (e: Error) => void } | undefined;
  const render = () => {
    calls += 1;
    return new Promise<Body>((resolve, reject) => (settle = { resolve, reject }));
  };
  return {
    render,
    calls: () => calls,
    resolve: () => settle?.resolve(value),
    reject: (error: Error) => settle?.reject(error),
  };
}

describe('RenderCache', () => {
  it('has bounds by default', () => {
    expect(RENDER_CACHE_DEFAULTS).toEqual({ maxEntries: 500, maxBytes: 64 * 1024 * 1024 });
  });

  it('keeps what it is given and counts entries and bytes', () => {
    const cache = new RenderCache<Body>();
    cache.set('a', body('a', 10));
    cache.set('b', body('b', 25));
    expect(cache.get('a')?.name).toBe('a');
    expect(cache.get('missing')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 2, bytes: 35 });
  });

  it('replacing a key counts its bytes once', () => {
    const cache = new RenderCache<Body>();
    cache.set('a', body('a1', 10));
    cache.set('a', body('a2', 30));
    expect(cache.get('a')?.name).toBe('a2');
    expect(cache.size).toEqual({ entries: 1, bytes: 30 });
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = new RenderCache<Body>({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) cache.set(key, body(key));
    expect(cache.size).toEqual({ entries: 3, bytes: 30 });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(['c', 'd', 'e'].map((key) => cache.get(key)?.name)).toEqual(['c', 'd', 'e']);
  });

  it('holds at most maxBytes, dropping the oldest until the new entry fits', () => {
    const cache = new RenderCache<Body>({ maxBytes: 100 });
    cache.set('a', body('a', 40));
    cache.set('b', body('b', 40));
    cache.set('c', body('c', 40)); // 120 > 100: a goes
    expect(cache.size).toEqual({ entries: 2, bytes: 80 });
    expect(cache.get('a')).toBeUndefined();
    cache.set('d', body('d', 90)); // needs b and c both gone
    expect(cache.size).toEqual({ entries: 1, bytes: 90 });
    expect(cache.get('d')?.name).toBe('d');
  });

  it('drops the least recently used, not the least recently added', () => {
    const cache = new RenderCache<Body>({ maxEntries: 2 });
    cache.set('a', body('a'));
    cache.set('b', body('b'));
    cache.get('a'); // a is now the most recent
    cache.set('c', body('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.name).toBe('a');
    expect(cache.get('c')?.name).toBe('c');
  });

  it('keeps what a least-recently-used list of the same bounds keeps, whatever the order of reads and writes', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), size: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (steps, maxEntries) => {
        const maxBytes = 100;
        const cache = new RenderCache<Body>({ maxEntries, maxBytes });
        // The model: an array, least recently used first.
        let model: Body[] = [];
        for (const s of steps) {
          if (s.op === 'get') {
            const found = model.find((entry) => entry.name === s.key);
            expect(cache.get(s.key)).toEqual(found);
            if (found) model = [...model.filter((entry) => entry !== found), found];
          } else {
            const value = body(s.key, s.size);
            cache.set(s.key, value);
            model = model.filter((entry) => entry.name !== s.key);
            if (value.size <= maxBytes) model.push(value);
            const total = () => model.reduce((sum, entry) => sum + entry.size, 0);
            while (model.length > maxEntries || total() > maxBytes) model.shift();
          }
          expect(cache.size).toEqual({ entries: model.length, bytes: model.reduce((sum, entry) => sum + entry.size, 0) });
        }
      }),
    );
  });

  it('a getOrCreate hit counts as a use', async () => {
    const cache = new RenderCache<Body>({ maxEntries: 2 });
    cache.set('a', body('a'));
    cache.set('b', body('b'));
    await cache.getOrCreate('a', () => Promise.reject(new Error('a is cached: no render')));
    cache.set('c', body('c'));
    expect(cache.get('a')?.name).toBe('a');
    expect(cache.get('b')).toBeUndefined();
  });

  it('serves but does not keep one value larger than the whole budget', async () => {
    const cache = new RenderCache<Body>({ maxBytes: 100 });
    cache.set('small', body('small', 50));
    const huge = await cache.getOrCreate('huge', async () => body('huge', 101));
    expect(huge.name).toBe('huge');
    expect(cache.get('huge')).toBeUndefined();
    // Nothing else was pushed out to make room for it.
    expect(cache.get('small')?.name).toBe('small');
    expect(cache.size).toEqual({ entries: 1, bytes: 50 });
  });

  it('a value exactly at the budget is kept', () => {
    const cache = new RenderCache<Body>({ maxBytes: 100 });
    cache.set('a', body('a', 30));
    cache.set('full', body('full', 100));
    expect(cache.size).toEqual({ entries: 1, bytes: 100 });
    expect(cache.get('full')?.name).toBe('full');
  });

  it('renders on a miss, then answers from memory', async () => {
    const cache = new RenderCache<Body>();
    let calls = 0;
    const render = async () => body(`render ${++calls}`);
    expect((await cache.getOrCreate('k', render)).name).toBe('render 1');
    expect((await cache.getOrCreate('k', render)).name).toBe('render 1');
    expect(calls).toBe(1);
  });

  it('concurrent requests for one key share one render', async () => {
    const cache = new RenderCache<Body>();
    const pending = deferredRender(body('shared'));
    const waiting = Array.from({ length: 5 }, () => cache.getOrCreate('k', pending.render));
    expect(pending.calls()).toBe(1);
    expect(cache.size.entries).toBe(0); // not kept until it is done
    pending.resolve();
    const values = await Promise.all(waiting);
    expect(new Set(values).size).toBe(1);
    expect(values[0]?.name).toBe('shared');
    expect(pending.calls()).toBe(1);
    expect(cache.get('k')?.name).toBe('shared');
  });

  it('with shareRenders off, each request renders for itself and none waits on another', async () => {
    const cache = new RenderCache<Body>({ shareRenders: false });
    const first = deferredRender(body('first'));
    const second = deferredRender(body('second'));
    const a = cache.getOrCreate('k', first.render);
    const b = cache.getOrCreate('k', second.render);
    expect([first.calls(), second.calls()]).toEqual([1, 1]);
    // The second finishes though the first never does.
    second.resolve();
    expect((await b).name).toBe('second');
    expect(cache.get('k')?.name).toBe('second');
    first.resolve();
    expect((await a).name).toBe('first');
  });

  it('renders for different keys do not wait for each other', async () => {
    const cache = new RenderCache<Body>();
    const slow = deferredRender(body('slow'));
    const slowValue = cache.getOrCreate('slow', slow.render);
    expect((await cache.getOrCreate('fast', async () => body('fast'))).name).toBe('fast');
    slow.resolve();
    expect((await slowValue).name).toBe('slow');
  });

  it('a failed render is not kept: everyone waiting sees the error, and the next request tries again', async () => {
    const cache = new RenderCache<Body>();
    const failing = deferredRender(body('never'));
    const first = cache.getOrCreate('k', failing.render);
    const second = cache.getOrCreate('k', failing.render);
    failing.reject(new Error('renderer broke'));
    await expect(first).rejects.toThrow('renderer broke');
    await expect(second).rejects.toThrow('renderer broke');
    expect(failing.calls()).toBe(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });

    let retries = 0;
    const value = await cache.getOrCreate('k', async () => body(`retry ${++retries}`));
    expect(value.name).toBe('retry 1');
    expect(cache.get('k')?.name).toBe('retry 1');
  });

  it('clear empties it', () => {
    const cache = new RenderCache<Body>();
    cache.set('a', body('a'));
    cache.clear();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
    expect(cache.get('a')).toBeUndefined();
  });
});
