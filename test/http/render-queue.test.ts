import { describe, expect, it } from 'vitest';
import { RenderQueue, RenderQueueFull } from '../../src/http/render-cache.ts';

describe('RenderQueue', () => {
  it('runs at most `concurrency` tasks at once, common ones before uncommon ones, and refuses past its bound', async () => {
    const queue = new RenderQueue({ concurrency: 2, maxWaiting: 10, maxWaitingUncommon: 3 });
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const task = (name: string) => async () => {
      most = Math.max(most, ++running);
      order.push(name);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return name;
    };
    // The first two take the free turns; three more may wait; the sixth is refused.
    const odd = ['odd-1', 'odd-2', 'odd-3', 'odd-4', 'odd-5'].map((name) => queue.run(task(name), true));
    const refused = queue.run(task('odd-6'), true);
    const common = ['a', 'b'].map((name) => queue.run(task(name)));
    await expect(refused).rejects.toBeInstanceOf(RenderQueueFull);
    expect(await Promise.all([...odd, ...common])).toEqual(['odd-1', 'odd-2', 'odd-3', 'odd-4', 'odd-5', 'a', 'b']);
    expect(most).toBe(2);
    // The common renders, queued after the odd ones, went before those still waiting.
    expect(order).toEqual(['odd-1', 'odd-2', 'a', 'b', 'odd-3', 'odd-4', 'odd-5']);
    expect(queue.size).toEqual({ running: 0, waiting: 0 });
  });

  it('with maxWaiting 0, runs up to `concurrency` at once and refuses the next rather than keep it waiting', async () => {
    const queue = new RenderQueue({ concurrency: 2, maxWaiting: 0 });
    const held: (() => void)[] = [];
    const task = (name: string) => () => new Promise<string>((resolve) => held.push(() => resolve(name)));
    const first = queue.run(task('a'));
    const second = queue.run(task('b'), true);
    await expect(queue.run(task('c'))).rejects.toBeInstanceOf(RenderQueueFull);
    expect(queue.size).toEqual({ running: 2, waiting: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0)); // the turns start on a timer
    held.splice(0).forEach((release) => release());
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    // A turn is free again.
    const third = queue.run(task('d'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    held.splice(0).forEach((release) => release());
    expect(await third).toBe('d');
  });

  it('starts each turn through `defer`, which takes the place of the timer', async () => {
    const deferred: (() => void)[] = [];
    const queue = new RenderQueue({ concurrency: 1, defer: (start) => deferred.push(start) });
    const first = queue.run(async () => 'first');
    const second = queue.run(async () => 'second');
    // Nothing runs until a deferred start is called: one turn at a time.
    expect(deferred).toHaveLength(1);
    deferred.shift()?.();
    expect(await first).toBe('first');
    // The next turn is handed out once the first has settled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(deferred).toHaveLength(1);
    deferred.shift()?.();
    expect(await second).toBe('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toEqual({ running: 0, waiting: 0 });
  });
});
