/**
 * An R2 bucket in memory, seen from both sides: the publish script writes it (`PublishTarget`), the
 * worker reads it (`DataBucket`). It counts every read and keeps every write in order.
 */
import type { PublishTarget, StoredObject } from '../../scripts/r2-targets.ts';
import type { DataBucket } from '../../src/worker/r2-data.ts';

export class MemoryBucket implements PublishTarget, DataBucket {
  readonly objects = new Map<string, Uint8Array>();
  /** Every key written, in the order the writes completed. */
  readonly written: string[] = [];
  /** Every key deleted, in order. */
  readonly deleted: string[] = [];
  /** Every key read by the worker side, in order. */
  readonly gets: string[] = [];
  /** Keys whose reads fail, to stand for R2 being unreachable. */
  readonly failing = new Set<string>();

  async get(key: string) {
    this.gets.push(key);
    if (this.failing.has(key)) throw new Error(`R2 is unreachable (${key})`);
    const bytes = this.objects.get(key);
    if (!bytes) return null;
    return {
      text: async () => new TextDecoder().decode(bytes),
      arrayBuffer: async () => bytes.slice().buffer,
    };
  }

  async read(key: string) {
    const bytes = this.objects.get(key);
    return bytes ? new TextDecoder().decode(bytes) : undefined;
  }

  async write(objects: readonly StoredObject[], progress?: (done: number) => void) {
    let done = 0;
    for (const { key, body } of objects) {
      this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
      this.written.push(key);
      progress?.(++done);
    }
  }

  async delete(keys: readonly string[], progress?: (done: number) => void) {
    let done = 0;
    for (const key of keys) {
      this.objects.delete(key);
      this.deleted.push(key);
      progress?.(++done);
    }
  }

  async close() {}

  /** Forgets the counts, keeps the objects. */
  reset() {
    this.written.length = 0;
    this.deleted.length = 0;
    this.gets.length = 0;
  }
}
