/**
 * `npm run generate -- --count N --out DIR`: writes N synthetic posts, a `site.json` and the images they
 * use into DIR, for benchmarks. Deterministic: post i depends only on the seed and i, so the same count
 * gives the same files, and a larger count only adds posts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';

export interface GenerateOptions {
  /** How many posts. */
  count: number;
  /** The folder to write into; created if missing. Never the project's own `data/`. */
  out: string;
  /** @default 1 */
  seed?: number;
  /** `site.json`'s `feedLimit`. @default 20 */
  feedLimit?: number;
}

export interface Generated {
  dir: string;
  count: number;
  /** Posts with `"draft": true`: left out of every feed. */
  drafts: number;
  /** Bytes of post JSON written (0 when an existing folder was reused). */
  bytes: number;
  reused: boolean;
}

/** Written last, so a half-written folder is never taken for a finished one. */
const MARKER = '.generated.json';
/** Bump when the shape of the generated posts changes, so old folders are not reused. */
const FORMAT = 1;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WRITE_CONCURRENCY = 64;

/** Writes the data folder, replacing an earlier generated one in the same place. */
export async function generatePosts(options: GenerateOptions): Promise<Generated> {
  const { count, dir, seed, feedLimit } = resolveOptions(options);
  await clearGenerated(dir);
  await mkdir(path.join(dir, 'posts'), { recursive: true });
  await mkdir(path.join(dir, 'media'), { recursive: true });

  await writeFile(path.join(dir, 'site.json'), `${JSON.stringify(siteRecord(feedLimit), null, 2)}\n`);
  for (const [name, bytes] of Object.entries(MEDIA)) await writeFile(path.join(dir, 'media', name), bytes());

  let bytes = 0;
  let drafts = 0;
  for (let start = 0; start < count; start += WRITE_CONCURRENCY) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + WRITE_CONCURRENCY); i++) {
      const { name, record } = generatedPost(i, seed);
      const text = `${JSON.stringify(record, null, 2)}\n`;
      if (record.draft === true) drafts++;
      bytes += Buffer.byteLength(text);
      batch.push(writeFile(path.join(dir, 'posts', `${name}.json`), text));
    }
    await Promise.all(batch);
  }
  await writeFile(path.join(dir, MARKER), `${JSON.stringify({ format: FORMAT, count, seed, feedLimit, drafts })}\n`);
  return { dir, count, drafts, bytes, reused: false };
}

/** Reuses DIR when it already holds exactly what these options would write; generates it otherwise. */
export async function ensureGeneratedPosts(options: GenerateOptions): Promise<Generated> {
  const { count, dir, seed, feedLimit } = resolveOptions(options);
  const marker = await readMarker(dir);
  if (marker && marker.format === FORMAT && marker.count === count && marker.seed === seed && marker.feedLimit === feedLimit && Number.isInteger(marker.drafts)) {
    return { dir, count, drafts: marker.drafts, bytes: 0, reused: true };
  }
  return generatePosts(options);
}

function resolveOptions(options: GenerateOptions) {
  const dir = path.resolve(options.out);
  const count = options.count;
  const seed = options.seed ?? 1;
  const feedLimit = options.feedLimit ?? 20;
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a whole number, got ${count}`);
  if (!Number.isInteger(feedLimit) || feedLimit < 1 || feedLimit > 1000) {
    throw new Error(`feedLimit must be a whole number from 1 to 1000, got ${feedLimit}`);
  }
  const relative = path.relative(path.join(ROOT, 'data'), dir);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    throw new Error(`refusing to write into the project's data folder (${dir}): pass a temporary folder`);
  }
  return { count, dir, seed, feedLimit };
}

interface Marker {
  format: number;
  count: number;
  seed: number;
  feedLimit: number;
  drafts: number;
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MARKER), 'utf8')) as Marker;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Empties a folder this script wrote before; refuses any other non-empty folder rather than delete it. */
async function clearGenerated(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  if (!entries.includes(MARKER)) {
    throw new Error(`${dir} is not empty and was not written by this script: pass an empty or new folder`);
  }
  await rm(path.join(dir, MARKER));
  for (const name of ['posts', 'media', 'site.json']) await rm(path.join(dir, name), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// The records

function siteRecord(feedLimit: number): Record<string, unknown> {
  return {
    title: 'Northwind Group News',
    description: 'Company news, results and press releases from Northwind Group.',
    url: 'https://news.example.com',
    language: 'en',
    authors: [{ name: 'Northwind Press Office', email: 'press@example.com', url: 'https://example.com/press' }],
    copyright: '© Northwind Group',
    icon: '/media/icon.png',
    feedLimit,
  };
}

const CATEGORIES = [
  'Company News', 'Press Releases', 'Investor Relations', 'Quarterly Results', 'Research', 'Engineering',
  'Manufacturing', 'Sustainability', 'Community', 'Awards', 'Partnerships', 'Acquisitions', 'Products',
  'Healthcare', 'Medical Devices', 'Pharmaceuticals', 'Logistics', 'Careers', 'Events', 'Leadership',
  'Governance', 'Safety', 'Quality', 'International', 'Asia Pacific', 'Europe', 'North America',
  'Digital', 'Innovation', 'Customer Stories',
];
const AUTHORS = [
  { name: 'Anna Berg', email: 'anna.berg@example.com' },
  { name: 'Li Wei' },
  { name: 'María José García', url: 'https://example.com/people/mjgarcia' },
  { name: 'Tomasz Nowak' },
  { name: 'Priya Raman', email: 'priya.raman@example.com' },
  { name: 'James O\'Connor' },
  { name: 'Chen Jing' },
  { name: 'Fatima Al-Sayed', email: 'f.alsayed@example.com' },
];
const SUBJECTS = [
  'Northwind', 'The board', 'Our research centre', 'The Weihai plant', 'The medical devices division',
  'Northwind Logistics', 'The foundation', 'The engineering team', 'Our partners in Europe', 'The group',
];
const VERBS = [
  'opens', 'announces', 'completes', 'reports', 'launches', 'celebrates', 'expands', 'wins', 'signs', 'presents',
];
const OBJECTS = [
  'a new production line', 'results for the third quarter', 'a national engineering award',
  'a partnership with regional hospitals', 'its annual sustainability report', 'a second research campus',
  'the acquisition of a precision-tooling firm', 'a training programme for young engineers',
  'new safety standards for its plants', 'a clinical study on infusion devices', 'a logistics hub near the port',
  'its first carbon-neutral factory',
];
const WORDS = (
  'the company said that its teams have worked with partners across the region to improve quality and ' +
  'reduce waste while production grew faster than expected during the year and new customers in hospitals ' +
  'schools and public services chose the products for their reliability and service the plant employs ' +
  'engineers technicians and apprentices who trained on the new equipment before it opened investment in ' +
  'research will continue over the next five years according to the plan approved by the board and the ' +
  'results will be shared with the public at the annual meeting in spring'
).split(' ');
const OFFSETS = ['Z', '+00:00', '+01:00', '+02:00', '+08:00', '+09:00', '-05:00', '-08:00', '+05:30'];

/** 2012-01-01 to 2024-12-31: years of history, and nothing in the future, so every post is published. */
const FIRST_DAY = Date.UTC(2012, 0, 1);
const LAST_DAY = Date.UTC(2024, 11, 31);
const DAY = 86_400_000;

/** Post i, as its file name (without `.json`) and its record. */
export function generatedPost(i: number, seed = 1): { name: string; record: Record<string, unknown> } {
  const random = mulberry32(hash(seed, i));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const chance = (p: number) => random() < p;

  const title = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}`;
  const slug = `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').split('-').slice(0, 6).join('-')}-${i + 1}`;
  const instant = FIRST_DAY + Math.floor(random() * (LAST_DAY - FIRST_DAY));
  const withTime = chance(0.35);
  const published = withTime ? dateTime(instant, pick(OFFSETS)) : isoDay(instant);

  const paragraphs: string[] = [];
  let length = 0;
  const target = 1800 + Math.floor(random() * 1800);
  while (length < target) {
    const paragraph = `<p>${sentences(random, pick, 2 + Math.floor(random() * 4))}</p>`;
    paragraphs.push(paragraph);
    length += paragraph.length;
  }
  const figure =
    `<figure><img src="../media/photo.png" alt="${escapeHtml(title)}" width="64" height="48">` +
    `<figcaption>${escapeHtml(pick(SUBJECTS))} in ${1990 + Math.floor(random() * 30)}.</figcaption></figure>`;
  paragraphs.splice(1, 0, figure);
  if (chance(0.3)) paragraphs.push(`<p>Read more on <a href="/posts/${slug}">the full story</a> or <a href="https://example.com/">our website</a>.</p>`);
  if (chance(0.15)) paragraphs.push('<ul><li>Founded in 1988</li><li>12,000 employees</li><li>Present in 40 countries</li></ul>');

  const record: Record<string, unknown> = { title, published, content: paragraphs.join('\n') };
  if (chance(0.4)) record.id = `tag:news.example.com,${isoDay(instant)}:${slug}`;
  if (chance(0.15)) record.updated = dateTime(instant + DAY * (1 + Math.floor(random() * 30)), 'Z');
  if (chance(0.3)) record.summary = sentences(random, pick, 1 + Math.floor(random() * 2));
  if (chance(0.35)) {
    const first = pick(AUTHORS);
    const second = pick(AUTHORS);
    record.authors = chance(0.3) && second !== first ? [first, second] : [first];
  }
  const categories = new Set<string>();
  const wanted = 1 + Math.floor(random() * 3);
  while (categories.size < wanted) categories.add(pick(CATEGORIES));
  record.categories = [...categories];
  if (chance(0.25)) record.image = { url: '../media/cover.png', alt: `Cover for ${title}` };
  if (chance(0.05)) {
    record.attachments = [
      { url: `https://cdn.example.com/reports/${slug}.pdf`, mimeType: 'application/pdf', size: 40_000 + Math.floor(random() * 900_000), title: 'Full report' },
    ];
  }
  if (chance(0.03)) record.language = 'en-GB';
  if (chance(0.01)) record.draft = true;
  return { name: slug, record };
}

function sentences(random: () => number, pick: (list: readonly string[]) => string, n: number): string {
  const out: string[] = [];
  for (let s = 0; s < n; s++) {
    const words: string[] = [];
    const length = 10 + Math.floor(random() * 16);
    for (let w = 0; w < length; w++) words.push(pick(WORDS));
    const sentence = words.join(' ');
    out.push(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${random() < 0.1 ? ' &amp; more' : ''}.`);
  }
  return out.join(' ');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The instant as local time at `offset`, written with that offset (`2019-04-02T17:30:00+08:00`). */
function dateTime(ms: number, offset: string): string {
  const seconds = Math.floor(ms / 1000) * 1000;
  if (offset === 'Z') return `${new Date(seconds).toISOString().slice(0, 19)}Z`;
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const local = new Date(seconds + minutes * 60_000);
  const text =
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${text}${offset}`;
}

/** A small, fast, seedable PRNG: the same seed gives the same sequence on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hash = (seed: number, i: number) => Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);

// ---------------------------------------------------------------------------------------------------------
// The images: real PNGs, small, made here so the script needs no binary files

const MEDIA: Record<string, () => Uint8Array> = {
  'photo.png': () => png(64, 48, (x, y) => [40 + x * 3, 90 + y * 2, 160]),
  'cover.png': () => png(120, 63, (x, y) => [200, 60 + y * 2, 40 + x]),
  'icon.png': () => png(32, 32, (x, y) => ((x >> 3) + (y >> 3)) % 2 ? [20, 60, 120] : [240, 240, 240]),
};

function png(width: number, height: number, color: (x: number, y: number) => [number, number, number]): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) raw.set(color(x, y).map((c) => c & 0xff), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// The command

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'feed-limit': { type: 'string' },
    },
  });
  if (values.count === undefined || values.out === undefined) {
    console.error('usage: npm run generate -- --count N --out DIR [--seed N] [--feed-limit N]');
    process.exit(2);
  }
  try {
    const started = performance.now();
    const result = await generatePosts({
      count: Number(values.count),
      out: values.out,
      ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
      ...(values['feed-limit'] === undefined ? {} : { feedLimit: Number(values['feed-limit']) }),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${result.count} posts (${(result.bytes / 1e6).toFixed(1)} MB of JSON) in ${result.dir}, ${seconds} s`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
