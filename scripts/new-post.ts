/**
 * `npm run new -- "Title"`: starts a post in the posts folder of `DATA_DIR` (default ./data), as a
 * draft in Markdown dated now, with the `$schema` line that lets an editor check it while it is written.
 * Prints the file written; never replaces a file (a taken slug gets `-2`, `-3`…).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SLUG_MAX_LENGTH } from '../src/posts/schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Written by `npm run schemas` (scripts/json-schemas.ts); named here so this script needs no dev dependency. */
export const POST_SCHEMA = path.join(ROOT, 'src', 'posts', 'json-schema', 'post.schema.json');

export interface NewPostOptions {
  /** The data folder; the post goes to its `posts/`. */
  dataDir: string;
  title: string;
  /** The post's `published`; default: now. */
  now?: Date;
}

/** A mistake in how the script was called: printed as one line, without a stack trace. */
export class UsageError extends Error {}

/** Writes the new post and returns its path. */
export async function newPost(options: NewPostOptions): Promise<string> {
  const title = options.title.trim();
  if (title === '') throw new UsageError('give the post a title: npm run new -- "Board meeting"');
  const now = options.now ?? new Date();
  const postsDir = path.join(options.dataDir, 'posts');
  await mkdir(postsDir, { recursive: true });
  const taken = takenSlugs(postsDir);
  const base = slugFromTitle(title, now);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (taken.has(slug)) continue;
    const file = path.join(postsDir, `${slug}.json`);
    const record = {
      $schema: path.relative(postsDir, POST_SCHEMA).split(path.sep).join('/'),
      title,
      published: dateTimeWithOffset(now),
      draft: true,
      format: 'markdown',
      content: 'Write the post here, in Markdown. Remove `"draft": true` to publish it.',
    };
    try {
      // `wx`: fails if the file appeared since the folder was read, rather than replacing it.
      await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      taken.add(slug);
    }
  }
}

/** Room for a `-NN` ending within the slug limit. */
const BASE_MAX_LENGTH = SLUG_MAX_LENGTH - 4;

/** Letters that decomposition leaves whole but every reader spells in ASCII. */
const SPELLED = new Map([
  ['ß', 'ss'],
  ['æ', 'ae'],
  ['œ', 'oe'],
  ['ø', 'o'],
  ['đ', 'd'],
  ['ð', 'd'],
  ['ł', 'l'],
  ['þ', 'th'],
]);

/**
 * A post slug (lowercase a-z, digits, single hyphens) from a title: accents dropped (`Café` → `cafe`),
 * every other run of characters one hyphen, cut at a hyphen to leave room for `-2`. A title with no
 * Latin letters or digits at all gets `post-<date>`, which the publisher may replace with a `slug`.
 */
export function slugFromTitle(title: string, now: Date = new Date()): string {
  const ascii = Array.from(title.toLowerCase(), (c) => SPELLED.get(c) ?? c)
    .join('')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '');
  let slug = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (slug.length > BASE_MAX_LENGTH) {
    const cut = slug.slice(0, BASE_MAX_LENGTH);
    slug = (cut.lastIndexOf('-') > BASE_MAX_LENGTH / 2 ? cut.slice(0, cut.lastIndexOf('-')) : cut).replace(/-+$/, '');
  }
  return slug || `post-${dateTimeWithOffset(now).slice(0, 10)}`;
}

/** `2024-03-01T09:30:00+01:00`: the local time with its offset, as a publisher reads a date and the schema accepts it. */
export function dateTimeWithOffset(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const year = String(date.getFullYear()).padStart(4, '0');
  return (
    `${year}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/**
 * The slugs the posts folder already uses: file names (the default slug) and `slug` fields, in
 * sub-folders too. A file that cannot be read or parsed still claims its file name.
 */
function takenSlugs(postsDir: string): Set<string> {
  const taken = new Set<string>();
  for (const entry of readdirSync(postsDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    taken.add(entry.name.slice(0, -'.json'.length));
    const slug = slugField(path.join(entry.parentPath, entry.name));
    if (slug !== undefined) taken.add(slug);
  }
  return taken;
}

function slugField(file: string): string | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const slug = record !== null && typeof record === 'object' ? (record as { slug?: unknown }).slug : undefined;
    return typeof slug === 'string' ? slug : undefined;
  } catch {
    return undefined; // npm run check names a broken file; here its file name alone is taken
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const file = await newPost({ dataDir: process.env.DATA_DIR ?? './data', title: process.argv.slice(2).join(' ') });
    console.log(path.relative(process.cwd(), file) || file);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`npm run new: ${error.message}`);
    process.exit(1);
  }
}
