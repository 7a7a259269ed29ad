/**
 * `npm run publish -- [DATA_DIR] (--local [--persist-to DIR] | --remote) [--bucket NAME] [--site-url URL] [--prune [--prune-grace SECONDS]]`: validates the
 * data folder exactly as `npm run check` does (failing on any error), sanitises every post's HTML, and
 * publishes it to the R2 bucket a worker deployed with `--env r2` reads (src/posts/published-index.ts):
 * only the bodies, media files and index parts the bucket's current index does not name already, then
 * the new manifest, then the `current` pointer, so a reader never sees half a publish. The pointer
 * lists the manifests it named before; with `--prune`, what those replaced longer ago than a grace
 * period (`--prune-grace SECONDS`, default 600) name, and neither the current manifest nor one
 * replaced more recently does, is deleted. The feeds and home page a worker renders first are
 * rendered here, for `--site-url` (default: the SITE_URL variable, else site.json's url), and stored
 * as parts of the index.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultSummary } from '../src/feeds/plain-text.ts';
import { oncePerPost, type SafeContent } from '../src/feeds/safe-content.ts';
import { sanitizeContent } from '../src/feeds/sanitize.ts';
import { createApp } from '../src/http/app.ts';
import { isHttpUrl } from '../src/posts/http-url.ts';
import { RenderedAhead, renderedToBytes } from '../src/http/serve.ts';
import { nodeCompressors } from '../src/node/compression.ts';
import { loadDataDir } from '../src/node/data-folder.ts';
import { dataLimitsOrExit } from './data-limits.ts';
import { plural, problemReport, type Dataset } from '../src/posts/index.ts';
import {
  INDEX_FORMAT,
  POINTER_KEY,
  indexDataset,
  objectsOf,
  parseIndex,
  parsePointer,
  type CurrentPointer,
  type IndexedDataset,
  type IndexedPost,
  type ReplacedIndex,
} from '../src/posts/published-index.ts';
import { RENDERED_AHEAD_PATHS } from '../src/worker/edge-cache.ts';
import { scopeParts } from '../src/worker/precomputed-index.ts';
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
  /** The index's parts (post fields, outline, scopes) besides its manifest. */
  parts: { uploaded: number; unchanged: number };
  /** The base URL the feeds and home page were rendered for, and how many; none without a base URL. */
  rendered: { baseUrl: string | undefined; count: number };
  /** Every object written, the manifest and the pointer included, and their bytes. */
  objects: number;
  bytes: number;
  /**
   * With `prune`: the replaced manifests whose objects were deleted, how many objects that was, and
   * the replaced manifests kept because a worker may still be reading them.
   */
  pruned?: { indexes: number; objects: number; waiting: number };
}

/** How long a replaced manifest's objects are kept by default: far beyond a worker's re-check (10 s). */
export const PRUNE_GRACE_SECONDS = 600;

export interface PublishOptions {
  /** Called as objects are written: what is being written, how many are done, of how many. */
  progress?: (what: string, done: number, total: number) => void;
  /** The time the pointer records; injectable so tests write the same bytes twice. */
  now?: () => Date;
  /**
   * Delete what manifests replaced at least `graceMs` ago name, unless the current manifest or one
   * replaced more recently names it too. The grace must exceed the workers' DATA_RECHECK_SECONDS and
   * the longest request: until a worker has read the new pointer it may still read the old objects.
   */
  prune?: { graceMs: number };
  /**
   * The base URL the worker serves (its SITE_URL); default site.json's `url`. The most polled feeds and
   * the home page are rendered for it now, as the data stands at publish time, and stored beside the
   * index: a worker serving this base URL then only compresses them on their first request. Without
   * either, links follow each request's origin and nothing is rendered.
   */
  siteUrl?: string;
}

const sha256 = (content: string | Uint8Array) => createHash('sha256').update(content).digest('hex').slice(0, 32);

/**
 * What the bucket holds already, of what `next` names: every object the current manifest names (see
 * `namedBy`); only the parts of it the new data replaces are read, one or two for a changed post.
 */
async function publishedObjects(target: PublishTarget, next: IndexedDataset): Promise<{ pointer?: CurrentPointer; keys: Set<string> }> {
  const text = await target.read(POINTER_KEY);
  if (text === undefined) return { keys: new Set() };
  const pointer = parsePointer(text);
  if (!pointer) throw new Error(`the bucket's ${POINTER_KEY} was not written by npm run publish; refusing to replace it`);
  // Another layout, or a pointer to an index that is gone: upload everything again rather than trust it.
  if (pointer.format !== INDEX_FORMAT) return { pointer, keys: new Set() };
  return { pointer, keys: new Set(await namedBy(target, pointer.index, new Map(next.chunkBodies))) };
}

const byteLength = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

/**
 * Publishes a validated dataset to a bucket: what is new, then the manifest, then the pointer.
 * @example
 * const report = await publishDataset(result.dataset, await localTarget('pressroom-data', '.wrangler/state'));
 */
export async function publishDataset(dataset: Dataset, target: PublishTarget, options: PublishOptions = {}): Promise<PublishReport> {
  const progress = options.progress ?? (() => {});
  const at = options.now?.() ?? new Date();
  const safeContent = oncePerPost(sanitizeContent);
  const { baseUrl: renderedBase, rendered } = await renderedAtPublish(dataset, { safeContent, at, siteUrl: options.siteUrl });
  const indexed = indexDataset(dataset, {
    safeContentOf: safeContent,
    defaultSummary,
    hash: sha256,
    // Node states media without reading them; `file` names each as the reader found it (from the cwd).
    bytesOf: (asset) => readFileSync(asset.file),
    scopes: scopeParts(dataset),
    rendered,
  });
  const { key, text, parts, bodies, media } = indexed;
  const { pointer, keys } = await publishedObjects(target, indexed);
  const fresh = <T,>(objects: Map<string, T>, stored: (key: string, value: T) => StoredObject): StoredObject[] =>
    [...objects].filter(([objectKey]) => !keys.has(objectKey)).map(([objectKey, value]) => stored(objectKey, value));
  const newBodies = fresh(bodies, (bodyKey, html) => ({ key: bodyKey, body: html, contentType: 'text/html; charset=utf-8' }));
  const newMedia = fresh(media, (mediaKey, asset) => ({ key: mediaKey, body: asset.bytes, contentType: asset.mediaType }));
  const newParts = fresh(parts, (partKey, body) => ({ key: partKey, body, contentType: typeof body === 'string' ? 'application/json' : 'application/octet-stream' }));
  const changed = pointer?.index !== key;
  const replaced = replacedIndexes(pointer, key, at);
  const next: CurrentPointer = changed
    ? { format: INDEX_FORMAT, index: key, version: dataset.version, publishedAt: at.toISOString(), ...(replaced.length ? { replaced } : {}) }
    : (pointer as CurrentPointer);
  const finalObjects: StoredObject[] = [
    { key, body: text, contentType: 'application/json' },
    { key: POINTER_KEY, body: JSON.stringify(next), contentType: 'application/json' },
  ];
  const written = changed ? [...newMedia, ...newBodies, ...newParts, ...finalObjects] : [];
  const report: PublishReport = {
    version: dataset.version,
    index: key,
    changed,
    bodies: { uploaded: changed ? newBodies.length : 0, unchanged: bodies.size - (changed ? newBodies.length : 0) },
    media: { uploaded: changed ? newMedia.length : 0, unchanged: media.size - (changed ? newMedia.length : 0) },
    parts: { uploaded: changed ? newParts.length : 0, unchanged: parts.size - (changed ? newParts.length : 0) },
    rendered: { baseUrl: renderedBase, count: rendered.size },
    objects: written.length,
    bytes: written.reduce((sum, object) => sum + byteLength(object.body), 0),
  };
  if (changed) {
    // Everything the manifest names first, then the manifest, then the pointer to it: each step only
    // once the one before it is stored.
    if (newMedia.length) await target.write(newMedia, (done) => progress('media files', done, newMedia.length));
    if (newBodies.length) await target.write(newBodies, (done) => progress('post bodies', done, newBodies.length));
    if (newParts.length) await target.write(newParts, (done) => progress('index parts', done, newParts.length));
    await target.write([finalObjects[0]!]);
    await target.write([finalObjects[1]!]);
  }
  if (options.prune) report.pruned = await prune(target, indexed, next, at.getTime() - options.prune.graceMs, progress);
  return report;
}

/**
 * The feeds and pages a worker renders first (RENDERED_AHEAD_PATHS), rendered by the app as it would
 * serve them at `at` from `siteUrl` (or site.json's url), as stored, by render key; and that base URL.
 */
async function renderedAtPublish(
  dataset: Dataset,
  options: { safeContent: SafeContent; at: Date; siteUrl: string | undefined },
): Promise<{ baseUrl: string | undefined; rendered: Map<string, { bytes: Uint8Array; lastModified: Date | undefined }> }> {
  const base = options.siteUrl ?? dataset.site.url;
  if (!base) return { baseUrl: undefined, rendered: new Map() };
  const ahead = new RenderedAhead();
  const app = createApp({
    dataset,
    options: { safeContent: options.safeContent, now: () => options.at, renderedAhead: ahead, ...(options.siteUrl ? { siteUrl: options.siteUrl } : {}) },
  });
  await ahead.collect((request) => app.fetch(request), new URL(base).origin, RENDERED_AHEAD_PATHS);
  const stored = new Map<string, { bytes: Uint8Array; lastModified: Date | undefined }>();
  for (const [renderKey, { lastModified, ...rendered }] of ahead.entries()) {
    // gzip as the worker would make it (zlib level 6, what CompressionStream makes in workerd), so its
    // first request compresses nothing either; the worker offers no other coding.
    const gzip = await nodeCompressors.gzip?.(typeof rendered.body === 'string' ? new TextEncoder().encode(rendered.body) : rendered.body);
    // Last-Modified goes in the manifest (see StoredRender).
    stored.set(renderKey, { bytes: renderedToBytes(gzip ? { ...rendered, encoded: { gzip } } : rendered), lastModified });
  }
  return { baseUrl: base, rendered: stored };
}

/**
 * The manifests the new pointer lists as replaced: the one `current` named until now (when it is not
 * the new one) and those it listed, newest first, each once, the new one left out (a publish of an
 * earlier version makes it current again). Manifests of another layout are not followed.
 */
function replacedIndexes(pointer: CurrentPointer | undefined, key: string, at: Date): ReplacedIndex[] {
  if (!pointer || pointer.format !== INDEX_FORMAT) return [];
  const listed = pointer.index === key ? (pointer.replaced ?? []) : [{ index: pointer.index, replacedAt: at.toISOString() }, ...(pointer.replaced ?? [])];
  const seen = new Set([key]);
  return listed.filter(({ index }) => !seen.has(index) && seen.add(index));
}

/**
 * Deletes what the manifests replaced before `cutoff` (ms) name and nothing kept names: kept are the
 * current manifest and those replaced since. A part of the same name in both names the same bodies,
 * so only the parts a deleted manifest alone names are read. The objects go first, then the pointer is
 * rewritten without the manifests deleted: a run stopped between the two deletes the rest next time.
 */
async function prune(
  target: PublishTarget,
  current: IndexedDataset,
  pointer: CurrentPointer,
  cutoff: number,
  progress: (what: string, done: number, total: number) => void,
): Promise<{ indexes: number; objects: number; waiting: number }> {
  const listed = pointer.replaced ?? [];
  const expired = listed.filter(({ replacedAt }) => Date.parse(replacedAt) <= cutoff);
  const waiting = listed.filter(({ replacedAt }) => Date.parse(replacedAt) > cutoff);
  if (expired.length === 0) return { indexes: 0, objects: 0, waiting: waiting.length };
  const kept = new Set<string>([current.key, ...current.parts.keys(), ...current.bodies.keys(), ...current.media.keys()]);
  const knownParts = new Map(current.chunkBodies);
  for (const { index } of waiting) for (const object of await namedBy(target, index, knownParts)) kept.add(object);
  const doomed = new Set<string>();
  for (const { index } of expired) for (const object of await namedBy(target, index, knownParts)) if (!kept.has(object)) doomed.add(object);
  if (doomed.size) await target.delete([...doomed], (done) => progress('objects deleted', done, doomed.size));
  const { replaced: _replaced, ...rest } = pointer;
  const next: CurrentPointer = waiting.length ? { ...rest, replaced: waiting } : rest;
  await target.write([{ key: POINTER_KEY, body: JSON.stringify(next), contentType: 'application/json' }]);
  return { indexes: expired.length, objects: doomed.size, waiting: waiting.length };
}

/**
 * What a manifest names, its own key included: its parts, media and the bodies its parts of the post
 * fields name. A part of the same name names the same bodies, so a part `knownParts` has (part → its
 * bodies) is not read; one read here joins it. Nothing when the manifest is gone (or never was).
 */
async function namedBy(target: PublishTarget, manifest: string, knownParts: Map<string, readonly string[]>): Promise<string[]> {
  const text = await target.read(manifest);
  if (text === undefined) return [];
  const index = parseIndex(text);
  const objects = [manifest, ...objectsOf(index)];
  for (const part of index.chunks) {
    let bodies = knownParts.get(part);
    if (!bodies) {
      bodies = (JSON.parse((await target.read(part)) ?? '[]') as IndexedPost[]).map((post) => post.body);
      knownParts.set(part, bodies);
    }
    objects.push(...bodies);
  }
  return objects;
}

const postBodies = (n: number) => (n === 1 ? '1 post body' : `${n} post bodies`);
const indexParts = (n: number) => (n === 1 ? '1 index part' : `${n} index parts`);

/** The lines a publisher reads at the end. */
export function describeReport(report: PublishReport): string {
  const { bodies, media, parts, pruned, rendered } = report;
  const renderedLine = rendered.baseUrl
    ? `The feeds and home page are rendered for ${rendered.baseUrl} (${plural(rendered.count, 'part')} of the index); a worker with another SITE_URL renders them itself.`
    : 'Nothing was rendered ahead (no --site-url, SITE_URL or url in site.json): the worker renders each feed on its first request.';
  const published = report.changed
    ? `Published version ${report.version} (${report.index}): uploaded ${postBodies(bodies.uploaded)}, ` +
      `${plural(media.uploaded, 'media file')}, ${indexParts(parts.uploaded)} and the manifest ` +
      `(${plural(report.objects, 'object')}, ${plural(report.bytes, 'byte')} with the pointer); ` +
      `${postBodies(bodies.unchanged)}, ${plural(media.unchanged, 'media file')} and ${indexParts(parts.unchanged)} were there already.\n${renderedLine}`
    : `Nothing to publish: the bucket serves version ${report.version} (${report.index}) already.`;
  if (!pruned) return published;
  const waiting = pruned.waiting
    ? ` ${plural(pruned.waiting, 'replaced manifest')} ${pruned.waiting === 1 ? 'is' : 'are'} kept: replaced within the grace period, a worker may still read ${pruned.waiting === 1 ? 'it' : 'them'}.`
    : '';
  return `${published}\nPruned ${plural(pruned.indexes, 'replaced manifest')}: deleted ${plural(pruned.objects, 'object')} nothing newer names.${waiting}`;
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
      prune: { type: 'boolean', default: false },
      'prune-grace': { type: 'string', default: String(PRUNE_GRACE_SECONDS) },
      'site-url': { type: 'string' },
    },
  });
  if (values.local === values.remote) {
    console.error('usage: npm run publish -- [DATA_DIR] (--local [--persist-to DIR] | --remote) [--bucket NAME] [--site-url URL] [--prune [--prune-grace SECONDS]]');
    process.exit(2);
  }
  const grace = values['prune-grace'];
  if (!/^\d+$/.test(grace)) {
    console.error(`--prune-grace: expected a whole number of seconds, got ${JSON.stringify(grace)}`);
    process.exit(2);
  }
  // The worker's SITE_URL: the feeds rendered now are for it.
  const [siteUrlFrom, siteUrl] = values['site-url'] !== undefined ? ['--site-url', values['site-url']] : ['SITE_URL', process.env.SITE_URL || undefined];
  if (siteUrl !== undefined && !isHttpUrl(siteUrl)) {
    console.error(`${siteUrlFrom}: expected an absolute http(s) URL, got ${JSON.stringify(siteUrl)}`);
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
    const report = await publishDataset(result.dataset, target, {
      progress: terminalProgress(process.stdout),
      ...(values.prune ? { prune: { graceMs: Number(grace) * 1000 } } : {}),
      ...(siteUrl !== undefined ? { siteUrl } : {}),
    });
    console.log(describeReport(report));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  } finally {
    await target.close();
  }
}
