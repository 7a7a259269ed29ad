// Longer than the house's ~300 lines: the per-file steps (parse, resolve, admit) and the cross-file
// completion are shared by loadDataset and the Node folder reader, and live together so both stay
// one definition of "valid data".
import * as v from 'valibot';
import { DataVersion } from './data-version.ts';
import { localLinkProblems } from './local-links.ts';
import { renderMarkdown } from './markdown.ts';
import { newestFirst, sortNewestFirst } from './order.ts';
import { mediaTypeOf } from './media-types.ts';
import { describeValue, type Problem } from './problems.ts';
import {
  PostSchema,
  SLUG_MAX_LENGTH,
  SLUG_PATTERN,
  SiteSchema,
  quickPostRecord,
  type Attachment,
  type Image,
  type Post,
  type PostRecord,
  type Site,
} from './schema.ts';
import { findUnknownFields } from './unknown-fields.ts';

/** A data file as read from disk or from a bundled module: the name a publisher knows it by, and its text. */
export interface DataFile {
  file: string;
  text: string;
}

/** A file served as it is (images, audio), keyed by its path below the data folder (`media/a.png`). */
export interface Asset {
  path: string;
  file: string;
  mediaType: string;
  /** Its length in bytes, as enclosures and attachments state it. */
  size: number;
  /**
   * The bytes, where the runtime has no file to read them from when they are served (the worker's
   * bundle, data built in memory). Absent on Node, which streams the file from disk.
   */
  bytes?: Uint8Array;
  /**
   * What stands for the bytes in the data version when they were not read: the file's size, change
   * time and inode, which change whenever the file is written.
   */
  stamp?: string;
}

/** An asset as a reader hands it over: the media type is the loader's to decide, the size the bytes' when given. */
export type AssetInput = Omit<Asset, 'mediaType' | 'size'> & { size?: number };

export interface DataInput {
  /** Absent when the folder has no readable `site.json`: the posts are still checked, so every problem shows. */
  site: DataFile | undefined;
  /**
   * A list, or files read one by one as the loader asks for them: then each text can be dropped as
   * soon as it is parsed, and 100,000 posts never sit in memory twice.
   */
  posts: readonly DataFile[] | AsyncIterable<DataFile>;
  /**
   * The data version, when the caller computed it (see `DataVersion`); read once every post has been
   * taken. Otherwise it is computed here, by the files' names as given, which needs `posts` to be a list.
   */
  version?: string;
  /** See `Dataset.modified`; read, like `version`, once every post has been taken. */
  modified?: Date | undefined;
  assets?: readonly AssetInput[];
}

/** Everything the service serves, validated; immutable once built. */
export interface Dataset {
  site: Site;
  /** Newest `published` first; drafts and scheduled posts included (the feed model filters by time). */
  posts: readonly Post[];
  /** Keyed by URL path below the site root, e.g. `/media/a.png`. */
  assets: ReadonlyMap<string, Asset>;
  /** Changes whenever any input file changes. */
  version: string;
  /**
   * When the data last changed as a whole: the newest modification time among the files and the
   * posts folder (a deleted post changes the folder's). Feeds and pages never claim a Last-Modified
   * older than this, so a deletion, a new draft or a site.json edit reaches readers who poll with
   * If-Modified-Since alone. Absent for data built in memory.
   */
  modified?: Date;
  warnings: readonly Problem[];
}

export type LoadResult =
  | { ok: true; dataset: Dataset; problems: Problem[] }
  | { ok: false; problems: Problem[] };

/**
 * Validates every file and collects every problem before deciding: a publisher fixes all of them in one
 * pass instead of one per restart. Pure: the caller reads the files.
 */
export async function loadDataset(input: DataInput): Promise<LoadResult> {
  const problems: Problem[] = [];
  const assets = new Map<string, Asset>();
  for (const asset of input.assets ?? []) {
    const size = asset.size ?? asset.bytes?.byteLength ?? 0;
    assets.set(`/${asset.path}`, { ...asset, size, mediaType: mediaTypeOf(asset.path) });
  }

  const site = input.site ? parseRecord(input.site, SiteSchema, problems) : undefined;
  const posts: Post[] = [];
  const seen = newPostIndex();
  for await (const file of input.posts) {
    const record = parseRecord(file, PostSchema, problems);
    if (!record) continue;
    const post = resolvePost(record, file.file, assets, problems);
    if (post && admitPost(post, seen, problems)) posts.push(post);
  }

  return completeDataset({
    site,
    siteFile: input.site?.file ?? 'site.json',
    posts,
    assets,
    problems,
    version: async () => input.version ?? (await versionOf(input)),
    modified: input.modified,
  });
}

/** Every file read and each post resolved and admitted: what is left to decide for the folder as a whole. */
export interface ReadDataset {
  site: Site | undefined;
  siteFile: string;
  /** In the order the files were read; sorted here. */
  posts: Post[];
  assets: ReadonlyMap<string, Asset>;
  problems: Problem[];
  /** Asked for only when the data is valid. */
  version: () => Promise<string>;
  modified?: Date | undefined;
  /** The posts are newest first already (a reader that keeps the order between loads). */
  sorted?: boolean;
  /** The local-link warnings, when the reader keeps what it found in each post between loads. */
  localLinks?: () => Problem[];
}

/**
 * The checks that span files, then the verdict: any error refuses the whole, otherwise the posts are
 * ordered and the dataset is built. Every reader ends here (`loadDataset`, the Node data folder), so
 * they judge alike.
 */
export async function completeDataset(read: ReadDataset): Promise<LoadResult> {
  const { site, posts, assets, problems } = read;
  if (!site || problems.some((p) => p.severity === 'error')) return { ok: false, problems };
  // Only once every post loaded: a link to a post that failed would otherwise read as a link to nothing.
  problems.push(...(read.localLinks ? read.localLinks() : localLinkProblems({ site, siteFile: read.siteFile, posts, assets })));
  if (!read.sorted) sortNewestFirst(posts);
  const version = await read.version();
  const warnings = problems.filter((p) => p.severity === 'warning');
  const modified = read.modified;
  return { ok: true, dataset: { site, posts, assets, version, ...(modified ? { modified } : {}), warnings }, problems };
}

/** The slugs and ids taken so far, in the order the files were read: the first file keeps a slug. */
export interface PostIndex {
  bySlug: Map<string, Post>;
  byId: Map<string, Post>;
}
export const newPostIndex = (): PostIndex => ({ bySlug: new Map(), byId: new Map() });

/** Records the post's slug and id, or reports the file that already has one of them and refuses the post. */
export function admitPost(post: Post, seen: PostIndex, problems: Problem[]): boolean {
  const sameSlug = seen.bySlug.get(post.slug);
  if (sameSlug) {
    problems.push(error(post.file, 'slug', `"${post.slug}" is already the slug of ${sameSlug.file}`));
    return false;
  }
  const sameId = post.id === undefined ? undefined : seen.byId.get(post.id);
  if (sameId) {
    problems.push(error(post.file, 'id', `"${post.id}" is already the id of ${sameId.file}`));
    return false;
  }
  seen.bySlug.set(post.slug, post);
  if (post.id !== undefined) seen.byId.set(post.id, post);
  return true;
}

export { newestFirst };


const error = (file: string, path: string | undefined, message: string): Problem =>
  path ? { file, path, message, severity: 'error' } : { file, message, severity: 'error' };

/** One file's own checks (JSON, schema, unknown fields), which hold as long as the file is unchanged. */
export function parseRecord<S extends typeof SiteSchema | typeof PostSchema>(
  file: DataFile,
  schema: S,
  problems: Problem[],
): v.InferOutput<S> | undefined {
  const json = parseJson(file, problems);
  if (json === undefined) return undefined;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    problems.push(error(file.file, undefined, `expected a JSON object ({ … }), got ${describeValue(json)}`));
    return undefined;
  }
  // A valid post without unknown fields, the common case, checked directly: the same output, faster.
  const quick = schema === PostSchema ? quickPostRecord(json) : undefined;
  if (quick) return quick as v.InferOutput<S>;
  for (const unknown of findUnknownFields(schema, json)) {
    const hint = unknown.suggestion ? ` (did you mean "${unknown.suggestion}"?)` : '';
    problems.push({ file: file.file, path: unknown.path, message: `unknown field${hint}`, severity: 'warning' });
  }
  const result = v.safeParse(schema, json, { abortPipeEarly: true });
  if (result.success) return result.output;
  for (const issue of result.issues) {
    problems.push(error(file.file, v.getDotPath(issue) ?? undefined, issueMessage(schema, issue)));
  }
  return undefined;
}

/** JSON.parse's message with its "at position N" turned into the line and column an editor shows. */
function parseJson(file: DataFile, problems: Problem[]): unknown {
  const text = file.text.charCodeAt(0) === 0xfeff ? file.text.slice(1) : file.text;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const raw = cause instanceof Error ? cause.message : String(cause);
    const position = /position (\d+)/.exec(raw)?.[1];
    const offset = position === undefined ? (unexpectedTokenOffset(text, raw) ?? text.length) : Number(position);
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = (before.at(-1)?.length ?? 0) + 1;
    const reason = raw
      .replace(/^JSON\.parse: /, '')
      .replace(/,? ?(in JSON )?at position \d+.*$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '')
      .replace(/^(Unexpected token '.+?'), .*is not valid JSON$/s, '$1')
      .replace(/^Unexpected end of JSON input$/, 'the file ends too early');
    const where = text.trim() === '' ? 'the file is empty' : `line ${line}, column ${column}: ${reason}`;
    problems.push(error(file.file, undefined, `invalid JSON: ${where}`));
    return undefined;
  }
}

/**
 * V8 names an unexpected token without its position but quotes the text around it: all of a short file
 * (under 21 characters), else up to 10 characters either side, with "..." where it cut.
 */
function unexpectedTokenOffset(text: string, message: string): number | undefined {
  const m = /^Unexpected token '(.+?)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s.exec(message);
  if (!m) return undefined;
  const [, token = '', cutBefore, context = '', cutAfter] = m;
  if (!cutBefore && !cutAfter) return Math.max(0, text.indexOf(token));
  if (!cutBefore) return context.length - 10;
  if (!cutAfter) return text.length - context.length + 10;
  const start = text.indexOf(context);
  return start < 0 ? undefined : start + 10;
}

type Issue = v.InferIssue<typeof SiteSchema> | v.InferIssue<typeof PostSchema>;

function issueMessage(schema: typeof SiteSchema | typeof PostSchema, issue: Issue): string {
  // valibot reports a missing key on the object, not on the field: name the field's own expectation.
  if (issue.type === 'object' && issue.input === undefined && issue.path?.length) {
    const expected = expectationAt(schema, issue.path.map((p) => p.key));
    return `missing, expected ${expected ?? 'a value'}`;
  }
  return `expected ${issue.message}, got ${describeValue(issue.input)}`;
}

interface Described {
  message?: unknown;
  entries?: Record<string, Described>;
  item?: Described;
  wrapped?: Described;
}

function expectationAt(schema: Described, keys: unknown[]): string | undefined {
  let node: Described | undefined = schema;
  for (const key of keys) {
    while (node?.wrapped) node = node.wrapped;
    node = typeof key === 'number' ? node?.item : node?.entries?.[String(key)];
  }
  return typeof node?.message === 'string' ? node.message : undefined;
}

/** `data/posts/board-meeting.json` → `board-meeting`: the last path segment, less `.json`. */
const defaultSlug = (file: string) => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1).replace(/\.json$/i, '');

/** The record as served: default slug, media sizes and types; checks what depends on other files (media). */
export function resolvePost(
  record: PostRecord,
  file: string,
  assets: ReadonlyMap<string, Asset>,
  problems: Problem[],
): Post | undefined {
  let ok = true;
  const slug = record.slug ?? defaultSlug(file);
  if (record.slug === undefined && (!SLUG_PATTERN.test(slug) || slug.length > SLUG_MAX_LENGTH)) {
    problems.push(
      error(
        file,
        'slug',
        `the file name "${slug}" cannot be a slug: rename the file or add a "slug" of lowercase letters a-z, digits and single hyphens, at most ${SLUG_MAX_LENGTH} characters`,
      ),
    );
    ok = false;
  }
  if (record.updated && record.updated.getTime() < record.published.getTime()) {
    problems.push(error(file, 'updated', 'expected a date on or after "published"'));
    ok = false;
  }
  const postPath = `/posts/${slug}`;
  // With a valid slug, what a URL names below /media/ is the same from every post (see `mediaPathOf`).
  const validSlug = record.slug !== undefined || (SLUG_PATTERN.test(slug) && slug.length <= SLUG_MAX_LENGTH);
  const localAsset = (url: string, path: string): Asset | undefined | false => {
    const pathname = validSlug ? mediaPathOf(url) : mediaPath(url, postPath);
    if (pathname === undefined) return undefined;
    const assetPath = decodePath(pathname);
    const asset = assets.get(assetPath);
    if (asset) return asset;
    problems.push(error(file, path, `no file at "${pathname}" (expected it in the data folder as ${assetPath.slice(1)})`));
    return false;
  };

  let image: (Image & { mimeType?: string; size?: number }) | undefined;
  if (record.image) {
    const asset = localAsset(record.image.url, 'image.url');
    if (asset === false) ok = false;
    image = asset ? { ...record.image, mimeType: asset.mediaType, size: asset.size } : record.image;
  }
  const attachments: Attachment[] = [];
  record.attachments?.forEach((attachment, i) => {
    const asset = localAsset(attachment.url, `attachments.${i}.url`);
    if (asset === false) ok = false;
    // The file's real size, as for the image: a declared size goes stale when the file is replaced, and
    // a podcast client that trusts a wrong enclosure length stops short or waits for bytes that never come.
    attachments.push(asset ? { ...attachment, size: asset.size } : attachment);
  });
  if (!ok) return undefined;

  // The record's fields in its order but those the post replaces, then what it adds: what
  // `{ ...rest, content, slug, file, … }` makes, copied once, where rest destructuring copied twice
  // through a slow path (at 100,000 posts, a tenth of a second for every 15,000).
  const post: Record<string, unknown> = {};
  for (const key in record) if (!REPLACED_FIELDS.has(key)) post[key] = record[key as keyof PostRecord];
  post.content = withHtmlContent(record).content;
  post.slug = slug;
  post.file = file;
  post.updated = record.updated ?? record.published;
  if (image) post.image = image;
  if (record.attachments) post.attachments = attachments;
  return post as Post;
}

/** What `resolvePost` leaves out of the record or puts in again in its own place. */
const REPLACED_FIELDS: ReadonlySet<string> = new Set(['$schema', 'format', 'slug', 'updated', 'image', 'attachments']);

/** The path below /media/ that `url` names, read on the post's page `postPath`; undefined when it names none. */
function mediaPath(url: string, postPath: string): string | undefined {
  const resolved = new URL(url, `http://site.invalid${postPath}`);
  return resolved.host === 'site.invalid' && resolved.pathname.startsWith('/media/') ? resolved.pathname : undefined;
}

const mediaPaths = new Map<string, string | undefined>();
/**
 * `mediaPath` for a post whose slug is valid, remembered by URL: the same image names the same file in
 * thousands of posts. A slug of lowercase letters, digits and hyphens makes every post's page
 * `/posts/<slug>`, against which a URL resolves alike but for a query or fragment alone, which names
 * the page itself, never a file below /media/.
 */
function mediaPathOf(url: string): string | undefined {
  if (mediaPaths.has(url)) return mediaPaths.get(url);
  if (mediaPaths.size >= 4096) mediaPaths.clear();
  const pathname = mediaPath(url, '/posts/x');
  mediaPaths.set(url, pathname);
  return pathname;
}

/** `/media/a%20b.png` names the file `media/a b.png`; a stray `%` names a file with a `%` in it. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname; // malformed escape: not an encoded name, so look the file up as written
  }
}

/**
 * A record whose content is HTML: Markdown rendered, HTML as it is. From here on every post's content is
 * HTML: the size limits, feeds, pages, summaries and the worker's bundle read rendered Markdown exactly as
 * they read HTML written by hand, and sanitise it alike.
 */
export function withHtmlContent(record: PostRecord): PostRecord {
  return record.format === 'markdown' ? { ...record, format: 'html', content: renderMarkdown(record.content) } : record;
}

async function versionOf(input: DataInput): Promise<string> {
  if (!Array.isArray(input.posts)) throw new TypeError('posts read one by one need the version from the reader');
  const version = new DataVersion();
  if (input.site) version.add(input.site.file, input.site.text);
  for (const asset of input.assets ?? []) version.add(asset.path, asset.bytes ?? asset.stamp ?? '');
  for (const post of input.posts as readonly DataFile[]) version.add(post.file, post.text);
  return version.digest();
}
