import { describe, expect, it } from 'vitest';
import { loadDataset, type LoadResult, type Problem } from '../../src/posts/index.ts';
import { ReloadingSource } from '../../src/node/reloading-source.ts';
import { dataInput, dataset, postRecord, type FixtureData } from '../fixtures.ts';

const load = (data: FixtureData): Promise<LoadResult> => loadDataset(dataInput(data));
const one = (title: string): FixtureData => ({ posts: { post: postRecord({ title }) } });

/** A loader whose loads finish only when the test says so, counting how often it was called. */
function manualLoader() {
  const pending: ((result: LoadResult) => void)[] = [];
  let calls = 0;
  return {
    load: () => {
      calls++;
      return new Promise<LoadResult>((resolve) => pending.push(resolve));
    },
    calls: () => calls,
    finish: async (data: FixtureData) => {
      const resolve = pending.shift();
      if (!resolve) throw new Error('no load is waiting');
      resolve(await load(data));
      // Let the source see the result and start the next load, if any.
      await new Promise((r) => setTimeout(r, 0));
    },
    waiting: () => pending.length,
  };
}

describe('ReloadingSource', () => {
  it('serves the initial dataset and reports ok', async () => {
    const initial = await dataset(one('First'));
    const source = new ReloadingSource(initial, () => load(one('First')));
    expect(source.current()).toBe(initial);
    expect(source.health()).toEqual({ status: 'ok', problems: [] });
  });

  it('swaps in a new version that validated', async () => {
    const source = new ReloadingSource(await dataset(one('First')), () => load(one('Second')));
    const outcome = await source.reload();
    expect(outcome.swapped).toBe(true);
    expect(source.current().posts.map((p) => p.title)).toEqual(['Second']);
    expect(source.health().status).toBe('ok');
  });

  it('keeps the same object when the files produce the same version', async () => {
    const initial = await dataset(one('First'));
    const source = new ReloadingSource(initial, () => load(one('First')));
    expect((await source.reload()).swapped).toBe(false);
    expect(source.current()).toBe(initial);
  });

  it('keeps the last good version through invalid data, degraded with the errors only, until it is valid again', async () => {
    const initial = await dataset(one('First'));
    let next: FixtureData = {
      posts: {
        broken: '{ "title": ',
        typo: postRecord({ title: 'Typo', titel: 'x' }),
        twin: postRecord({ title: 'Twin', slug: 'typo' }),
      },
    };
    const source = new ReloadingSource(initial, () => load(next));
    const outcome = await source.reload();
    expect(outcome.swapped).toBe(false);
    expect(source.current()).toBe(initial);
    const health = source.health();
    expect(health.status).toBe('degraded');
    const shown = (problems: readonly Problem[]) => problems.map((p) => [p.file, p.path, p.severity]);
    expect(shown(health.problems)).toEqual([
      ['data/posts/broken.json', undefined, 'error'],
      ['data/posts/twin.json', 'slug', 'error'],
    ]);
    // The outcome has everything the publisher should read, warnings included.
    expect(shown(outcome.problems)).toEqual(expect.arrayContaining([['data/posts/typo.json', 'titel', 'warning']]));

    next = one('Fixed');
    expect((await source.reload()).swapped).toBe(true);
    expect(source.health()).toEqual({ status: 'ok', problems: [] });
    expect(source.current().posts.map((p) => p.title)).toEqual(['Fixed']);
  });

  it('keeps serving when the loader itself throws, and says so', async () => {
    const initial = await dataset(one('First'));
    const source = new ReloadingSource(initial, () => Promise.reject(new Error('EMFILE: too many open files')));
    expect((await source.reload()).swapped).toBe(false);
    expect(source.current()).toBe(initial);
    expect(source.health()).toEqual({
      status: 'degraded',
      problems: [{ file: '(loader)', message: 'could not load the data: EMFILE: too many open files', severity: 'error' }],
    });
  });

  it('folds reloads asked for during a load into one more load, which sees the last edit', async () => {
    const loader = manualLoader();
    const source = new ReloadingSource(await dataset(one('First')), loader.load);
    const first = source.reload();
    const during = [source.reload(), source.reload(), source.reload()];
    expect(loader.calls()).toBe(1);

    await loader.finish(one('Second'));
    // The three calls during the first load asked for one more, not three.
    expect(loader.calls()).toBe(2);
    expect(loader.waiting()).toBe(1);
    await loader.finish(one('Third'));
    expect(loader.calls()).toBe(2);

    for (const outcome of await Promise.all([first, ...during])) expect(outcome.swapped).toBe(true);
    expect(source.current().posts.map((p) => p.title)).toEqual(['Third']);

    // Once idle, a reload loads again.
    const later = source.reload();
    expect(loader.calls()).toBe(3);
    await loader.finish(one('Third'));
    expect((await later).swapped).toBe(false);
  });

  it('never swaps in an older load over a newer one', async () => {
    const loader = manualLoader();
    const source = new ReloadingSource(await dataset(one('First')), loader.load);
    const a = source.reload();
    const b = source.reload();
    await loader.finish(one('Stale'));
    await loader.finish(one('Fresh'));
    await Promise.all([a, b]);
    expect(source.current().posts.map((p) => p.title)).toEqual(['Fresh']);
  });
  it('prepares a new version before it serves, and keeps the old one when preparing fails', async () => {
    const initial = await dataset(one('First'));
    const seen: [string, string, string][] = [];
    const source: ReloadingSource = new ReloadingSource(initial, () => load(one('Second')), {
      prepare: async (next, previous) => {
        seen.push([next.posts[0]!.title, previous.posts[0]!.title, source.current().posts[0]!.title]);
        await new Promise((resolve) => setTimeout(resolve, 0));
        // Still the old one while preparing: requests meanwhile see a whole version.
        seen.push([next.posts[0]!.title, previous.posts[0]!.title, source.current().posts[0]!.title]);
      },
    });
    expect((await source.reload()).swapped).toBe(true);
    expect(seen).toEqual([['Second', 'First', 'First'], ['Second', 'First', 'First']]);
    expect(source.current().posts[0]!.title).toBe('Second');

    const failing = new ReloadingSource(initial, () => load(one('Second')), {
      prepare: () => {
        throw new Error('index broke');
      },
    });
    expect((await failing.reload()).swapped).toBe(false);
    expect(failing.current()).toBe(initial);
    expect(failing.health().problems.map((p) => p.message)).toEqual(['could not load the data: index broke']);
  });
});
