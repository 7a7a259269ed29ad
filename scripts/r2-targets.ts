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
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
/** Local writes in flight at once: each is a loopback request to workerd. */
const LOCAL_CONCURRENCY = 32;

/** What the publish script uses of Miniflare's R2 bucket (the Workers `R2Bucket`, in Node). */
interface LocalBucket {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  put(key: string, value: string | Uint8Array, options: { httpMetadata: { contentType: string } }): Promise<unknown>;
}
interface MiniflareInstance {
  getR2Bucket(binding: string): Promise<unknown>;
  dispose(): Promise<void>;
}
type MiniflareConstructor = new (options: Record<string, unknown>) => MiniflareInstance;

/**
 * The local bucket `wrangler dev` serves, written the way `wrangler r2 object put --local` writes it:
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
    script: 'export default { fetch() { return new Response(null, { status: 404 }); } }',
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
      let done = 0;
      let next = 0;
      const worker = async () => {
        while (next < objects.length) {
          const object = objects[next++] as StoredObject;
          await bucket.put(object.key, object.body, { httpMetadata: { contentType: object.contentType } });
          progress?.(++done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOCAL_CONCURRENCY, objects.length) }, worker));
    },
    close: () => mf.dispose(),
  };
}

const execFileAsync = promisify(execFile);

/**
 * The bucket on Cloudflare, through wrangler (`wrangler login` or `CLOUDFLARE_API_TOKEN`): reads with
 * `r2 object get --pipe`, writes with `r2 bulk put` (one call per content type, wrangler's own
 * concurrency), a single object with `r2 object put`.
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
    close: () => rm(scratch, { recursive: true, force: true }),
  };
}
