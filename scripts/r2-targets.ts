/**
 * Where `npm run publish` writes: the R2 bucket `wrangler dev` reads locally (its Miniflare storage
 * under `.wrangler/state`), or the real bucket through wrangler with `--remote`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** One object to write, with the type R2 stores beside it. */
export interface StoredObject {
  key: string;
  body: string | Uint8Array;
  contentType: string;
}

/** A bucket as the publish script uses it. */
export interface PublishTarget {
  /** The object's text; undefined when there is none. */
  read(key: string): Promise<string | undefined>;
  /** Writes every object, calling `progress` with how many are done so far; resolves once all are stored. */
  write(objects: readonly StoredObject[], progress?: (done: number) => void): Promise<void>;
  /** Deletes the objects (one that is not there is no error), calling `progress` as `write` does. */
  delete(keys: readonly string[], progress?: (done: number) => void): Promise<void>;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
/**
 * Objects handed to the local bucket in one request: Miniflare's R2 stores each put on its own, and
 * a round trip from Node per object tripled the time of a publish.
 */
const LOCAL_BATCH = 500;

/** What the publish script reads of Miniflare's R2 bucket (the Workers `R2Bucket`, in Node). */
interface LocalBucket {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
}
interface MiniflareInstance {
  getR2Bucket(binding: string): Promise<unknown>;
  dispatchFetch(url: string, init: { method: string; body: string }): Promise<{ status: number; text(): Promise<string> }>;
  dispose(): Promise<void>;
}
type MiniflareConstructor = new (options: Record<string, unknown>) => MiniflareInstance;

/** Runs inside Miniflare's workerd: stores a batch of objects, text or base64, all at once, or deletes a batch of keys. */
const BATCH_WRITER = `export default {
  async fetch(request, env) {
    if (request.method === 'DELETE') {
      await env.BUCKET.delete(await request.json());
      return new Response(null, { status: 204 });
    }
    const objects = await request.json();
    await Promise.all(objects.map(({ key, contentType, text, base64 }) => {
      const body = text ?? Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      return env.BUCKET.put(key, body, { httpMetadata: { contentType } });
    }));
    return new Response(null, { status: 204 });
  },
};`;

/**
 * The local bucket `wrangler dev` serves, written where `wrangler r2 object put --local` writes it:
 * a Miniflare with that bucket and the same persistence root (`<persist-to>/v3`). One Miniflare for
 * the whole publish, instead of one wrangler process per object.
 * @param persistTo - `wrangler dev --persist-to`'s folder; wrangler's default is `.wrangler/state`
 */
export async function localTarget(bucketName: string, persistTo: string): Promise<PublishTarget> {
  // Miniflare comes with wrangler; it is loaded by a computed name because its types need
  // @cloudflare/workers-types, which this project does not install: the few calls made are typed above.
  const name = 'miniflare';
  const { Miniflare } = (await import(name)) as { Miniflare: MiniflareConstructor };
  const mf = new Miniflare({
    modules: true,
    script: BATCH_WRITER,
    defaultPersistRoot: path.join(path.resolve(persistTo), 'v3'),
    r2Buckets: { BUCKET: bucketName },
  });
  const bucket = (await mf.getR2Bucket('BUCKET')) as LocalBucket;
  return {
    async read(key) {
      const object = await bucket.get(key);
      return object ? object.text() : undefined;
    },
    async write(objects, progress) {
      for (let start = 0; start < objects.length; start += LOCAL_BATCH) {
        const batch = objects.slice(start, start + LOCAL_BATCH).map(({ key, body, contentType }) =>
          typeof body === 'string' ? { key, contentType, text: body } : { key, contentType, base64: Buffer.from(body).toString('base64') },
        );
        const response = await mf.dispatchFetch('http://publish.local/', { method: 'POST', body: JSON.stringify(batch) });
        if (response.status !== 204) throw new Error(`the local bucket refused a write (${response.status}): ${await response.text()}`);
        progress?.(start + batch.length);
      }
    },
    async delete(keys, progress) {
      // R2's delete takes up to 1,000 keys at once.
      for (let start = 0; start < keys.length; start += 1000) {
        const batch = keys.slice(start, start + 1000);
        const response = await mf.dispatchFetch('http://publish.local/', { method: 'DELETE', body: JSON.stringify(batch) });
        if (response.status !== 204) throw new Error(`the local bucket refused a delete (${response.status}): ${await response.text()}`);
        progress?.(start + batch.length);
      }
    },
    close: () => mf.dispose(),
  };
}

const execFileAsync = promisify(execFile);

/**
 * The bucket on Cloudflare, through wrangler (`wrangler login` or `CLOUDFLARE_API_TOKEN`): reads with
 * `r2 object get --pipe`, writes with `r2 bulk put` (one call per content type, wrangler's own
 * concurrency), a single object with `r2 object put`, deletes with `r2 object delete`.
 * @param where - `['--remote']`; `['--local', '--persist-to', dir]` runs the same commands on the local bucket
 */
export async function wranglerTarget(bucketName: string, where: readonly string[] = ['--remote']): Promise<PublishTarget> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'pressroom-publish-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
  let files = 0;
  const fileOf = async (body: string | Uint8Array) => {
    const file = path.join(scratch, String(files++));
    await writeFile(file, body);
    return file;
  };
  return {
    async read(key) {
      try {
        const { stdout } = await execFileAsync(WRANGLER, ['r2', 'object', 'get', `${bucketName}/${key}`, '--pipe', ...where], {
          env,
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        });
        return stdout;
      } catch (error) {
        const stderr = String((error as { stderr?: unknown }).stderr ?? '');
        if (/does not exist|not found|NoSuchKey/i.test(stderr)) return undefined;
        throw new Error(`wrangler r2 object get ${bucketName}/${key} failed:\n${stderr}`);
      }
    },
    async write(objects, progress) {
      let done = 0;
      const byType = new Map<string, StoredObject[]>();
      for (const object of objects) {
        const group = byType.get(object.contentType);
        if (group) group.push(object);
        else byType.set(object.contentType, [object]);
      }
      for (const [contentType, group] of byType) {
        const entries = [];
        for (const object of group) entries.push({ key: object.key, file: await fileOf(object.body) });
        const list = await fileOf(JSON.stringify(entries));
        const args =
          entries.length === 1 && entries[0]
            ? ['r2', 'object', 'put', `${bucketName}/${entries[0].key}`, '--file', entries[0].file]
            : ['r2', 'bulk', 'put', bucketName, '--filename', list];
        try {
          await execFileAsync(WRANGLER, [...args, '--content-type', contentType, ...where], { env, maxBuffer: 64 << 20 });
        } catch (error) {
          throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed:\n${String((error as { stderr?: unknown }).stderr ?? error)}`);
        }
        done += group.length;
        progress?.(done);
      }
    },
    async delete(keys, progress) {
      // wrangler deletes one object per call.
      let done = 0;
      for (const key of keys) {
        try {
          await execFileAsync(WRANGLER, ['r2', 'object', 'delete', `${bucketName}/${key}`, ...where], { env, maxBuffer: 1 << 20 });
        } catch (error) {
          const stderr = String((error as { stderr?: unknown }).stderr ?? error);
          if (!/does not exist|not found|NoSuchKey/i.test(stderr)) throw new Error(`wrangler r2 object delete ${bucketName}/${key} failed:\n${stderr}`);
        }
        progress?.(++done);
      }
    },
    close: () => rm(scratch, { recursive: true, force: true }),
  };
}
