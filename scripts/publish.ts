/**
 * `npm run publish -- [DATA_DIR] (--local [--persist-to DIR] | --remote) [--bucket NAME]`: validates the
 * data folder exactly as `npm run check` does (failing on any error), sanitises every post's HTML, and
 * publishes it to the R2 bucket a worker deployed with `--env r2` reads (src/posts/published-index.ts):
 * only the bodies and media files the bucket's current index does not name already, then the new index,
 * then the `current` pointer, so a reader never sees half a publish. Older indexes stay in the bucket.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultSummary } from '../src/feeds/plain-text.ts';
import { sanitizeContent } from '../src/feeds/sanitize.ts';
import { loadDataDir } from '../src/node/data-folder.ts';
import { dataLimitsOrExit } from './data-limits.ts';
import { plural, problemReport, type Dataset } from '../src/posts/index.ts';
import {
  INDEX_FORMAT,
  POINTER_KEY,
  indexDataset,
  indexKey,
  parsePointer,
  type CurrentPointer,
  type PublishedIndex,
} from '../src/posts/published-index.ts';
import { localTarget, wranglerTarget, type PublishTarget, type StoredObject } from './r2-targets.ts';

/** wrangler.toml's `[[env.r2.r2_buckets]]` bucket_name. */
export const DEFAULT_BUCKET = 'pressroom-data';

/** What a publish did, counted: the lines the command prints come from it. */
export interface PublishReport {
  version: string;
  /** The key of the index `current` names now. */
  index: string;
  /** False when the bucket served exactly this data already: nothing was written. */
  changed: boolean;
  bodies: { uploaded: number; unchanged: number };
  media: { uploaded: number; unchanged: number };
}

export interface PublishOptions {
  /** Called as objects are written: what is being written, how many are done, of how many. */
  progress?: (what: string, done: number, total: number) => void;
  /** The time the pointer records; injectable so tests write the same bytes twice. */
  now?: () => Date;
}

const sha256 = (content: string | Uint8Array) => createHash('sha256').update(content).digest('hex').slice(0, 32);

/** The keys of every object the index in `current` names: what a new publish need not upload. */
async function publishedObjects(target: PublishTarget): Promise<{ pointer?: CurrentPointer; keys: Set<string> }> {
  const text = await target.read(POINTER_KEY);
  if (text === undefined) return { keys: new Set() };
  const pointer = parsePointer(text);
  if (!pointer) throw new Error(`the bucket's ${POINTER_KEY} was not written by npm run publish; refusing to replace it`);
  const indexText = await target.read(pointer.index);
  // The pointer names an index that is gone: upload everything again rather than trust it.
  if (indexText === undefined) return { pointer, keys: new Set() };
  const index = JSON.parse(indexText) as PublishedIndex;
  if (index.format !== INDEX_FORMAT) return { pointer, keys: new Set() };
  return { pointer, keys: new Set([...index.posts.map((post) => post.body), ...index.assets.map((asset) => asset.object)]) };
}

/**
 * Publishes a validated dataset to a bucket: what is new, then the index, then the pointer.
 * @example
 * const report = await publishDataset(result.dataset, await localTarget('pressroom-data', '.wrangler/state'));
 */
export async function publishDataset(dataset: Dataset, target: PublishTarget, options: PublishOptions = {}): Promise<PublishReport> {
  const progress = options.progress ?? (() => {});
  const { index, bodies, media } = indexDataset(dataset, {
    safeContentOf: (post) => sanitizeContent(post.content),
    defaultSummary,
    hash: sha256,
    // Node states media without reading them; `file` names each as the reader found it (from the cwd).
    bytesOf: (asset) => readFileSync(asset.file),
  });
  const indexText = JSON.stringify(index);
  const key = indexKey(sha256(indexText));
  const { pointer, keys } = await publishedObjects(target);
  const report = (changed: boolean, uploadedBodies: number, uploadedMedia: number): PublishReport => ({
    version: dataset.version,
    index: key,
    changed,
    bodies: { uploaded: uploadedBodies, unchanged: bodies.size - uploadedBodies },
    media: { uploaded: uploadedMedia, unchanged: media.size - uploadedMedia },
  });
  if (pointer?.index === key) return report(false, 0, 0);

  const newBodies: StoredObject[] = [];
  for (const [bodyKey, html] of bodies) {
    if (!keys.has(bodyKey)) newBodies.push({ key: bodyKey, body: html, contentType: 'text/html; charset=utf-8' });
  }
  const newMedia: StoredObject[] = [];
  for (const [mediaKey, asset] of media) {
    if (!keys.has(mediaKey)) newMedia.push({ key: mediaKey, body: asset.bytes, contentType: asset.mediaType });
  }
  // Everything the index names first, then the index, then the pointer to it: each step only once
  // the one before it is stored.
  if (newMedia.length) await target.write(newMedia, (done) => progress('media files', done, newMedia.length));
  if (newBodies.length) await target.write(newBodies, (done) => progress('post bodies', done, newBodies.length));
  await target.write([{ key, body: indexText, contentType: 'application/json' }]);
  const next: CurrentPointer = { format: INDEX_FORMAT, index: key, version: dataset.version, publishedAt: (options.now?.() ?? new Date()).toISOString() };
  await target.write([{ key: POINTER_KEY, body: JSON.stringify(next), contentType: 'application/json' }]);
  return report(true, newBodies.length, newMedia.length);
}

const postBodies = (n: number) => (n === 1 ? '1 post body' : `${n} post bodies`);

/** The line a publisher reads at the end. */
export function describeReport(report: PublishReport): string {
  const { bodies, media } = report;
  if (!report.changed) return `Nothing to publish: the bucket serves version ${report.version} (${report.index}) already.`;
  return (
    `Published version ${report.version} (${report.index}): uploaded ${postBodies(bodies.uploaded)}, ` +
    `${plural(media.uploaded, 'media file')} and the index; ` +
    `${postBodies(bodies.unchanged)} and ${plural(media.unchanged, 'media file')} were there already.`
  );
}

/** Progress on one line that rewrites itself on a terminal; a line per quarter elsewhere (logs, tests). */
function terminalProgress(stream: NodeJS.WriteStream): (what: string, done: number, total: number) => void {
  let lastQuarter = -1;
  return (what, done, total) => {
    if (stream.isTTY) {
      stream.write(`\r  ${what}: ${done.toLocaleString('en')}/${total.toLocaleString('en')}`);
      if (done === total) stream.write('\n');
      return;
    }
    const quarter = Math.floor((done / total) * 4);
    if (quarter === lastQuarter && done !== total) return;
    lastQuarter = done === total ? -1 : quarter;
    stream.write(`  ${what}: ${done}/${total}\n`);
  };
}

// The command

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      local: { type: 'boolean', default: false },
      remote: { type: 'boolean', default: false },
      'persist-to': { type: 'string', default: '.wrangler/state' },
      bucket: { type: 'string', default: DEFAULT_BUCKET },
    },
  });
  if (values.local === values.remote) {
    console.error('usage: npm run publish -- [DATA_DIR] (--local [--persist-to DIR] | --remote) [--bucket NAME]');
    process.exit(2);
  }
  const dataDir = positionals[0] ?? process.env.DATA_DIR ?? './data';
  // The server's limits, so that what is published is what the server would accept.
  const result = await loadDataDir(dataDir, { limits: dataLimitsOrExit() });
  for (const line of problemReport(result.problems, result.postFiles)) console.error(line);
  if (!result.ok) process.exit(1);
  console.log(`${dataDir}: ${plural(result.dataset.posts.length, 'post')}, ${plural(result.dataset.assets.size, 'media file')}, version ${result.dataset.version}`);

  const where = values.local ? `the local bucket ${values.bucket} in ${values['persist-to']}` : `the R2 bucket ${values.bucket}`;
  console.log(`Publishing to ${where}…`);
  const target = values.local ? await localTarget(values.bucket, values['persist-to']) : await wranglerTarget(values.bucket, ['--remote']);
  try {
    const report = await publishDataset(result.dataset, target, { progress: terminalProgress(process.stdout) });
    console.log(describeReport(report));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  } finally {
    await target.close();
  }
}
