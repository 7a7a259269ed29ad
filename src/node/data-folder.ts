// Longer than the house's ~300 lines on purpose: the walk, the identity cache, the refusals and the
// re-assembly share one invariant (what was read is exactly what the last walk saw), and splitting
// them would spread that invariant over modules that each hold half of it.
import { createHash, hash as sha256Of } from 'node:crypto';
import * as nodeFs from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { versionLine } from '../posts/data-version.ts';
import { measureHtml } from '../posts/html-limits.ts';
import { judgeLocalLinks, linkedSlug, postLocalLinks, siteLocalLinks, siteUrlOf, type LocalLink } from '../posts/local-links.ts';
import { mediaTypeOf } from '../posts/media-types.ts';
import {
  PostSchema,
  SiteSchema,
  admitPost,
  completeDataset,
  newPostIndex,
  parseRecord,
  resolvePost,
  withHtmlContent,
  type Asset,
  type LoadResult,
  type Post,
  type PostRecord,
  type Problem,
  type Site,
} from '../posts/index.ts';
import { withChanges } from '../feeds/model.ts';
import { DEFAULT_DATA_LIMITS, LIMIT_SETTINGS, type DataLimits } from './data-limits.ts';
import { readAhead, startReadAhead, type ReadAhead, type ReadAheadFile, type ReadAheadStarting } from './read-ahead.ts';

/** The file-system calls the folder makes: node:fs, or a stand-in in tests (errors root cannot cause). */
export type FileSystem = Pick<
  typeof nodeFs,
  'lstatSync' | 'statSync' | 'realpathSync' | 'openSync' | 'fstatSync' | 'readSync' | 'closeSync' | 'readdirSync'
>;

export interface DataFolderOptions {
  limits?: Partial<DataLimits>;
  fs?: FileSystem;
  /** Problems name files relative to this folder when they lie below it. @default process.cwd() */
  cwd?: string;
  /** Longest stretch of work before the event loop gets a turn, in ms. @default 8 */
  sliceMs?: number;
  /**
   * A first load of at least this many post files reads them in a thread of its own while this one
   * validates (see read-ahead.ts); Infinity: never. @default 1000
   */
  readAheadFrom?: number;
  /** What starts that thread: read-ahead.ts, or a stand-in in tests. */
  readAhead?: typeof readAhead;
  /**
   * A first load starts the thread before it lists the folder, and ends it unused when there are fewer
   * post files than `readAheadFrom`: the thread's start (some 70–90 ms) overlaps with the listing. For
   * a server's start, where most folders are large enough; not with a `readAhead` stand-in.
   */
  readAheadEarly?: boolean;
  /**
   * Asked between slices of work: a promise to wait for before the next slice (the server's requests in
   * flight, see requests-in-flight.ts), or undefined to go on after the event loop's turn.
   */
  giveWay?: () => Promise<void> | undefined;
  /**
   * The first load leaves out the local-link warnings, the costliest check after reading (every post's
   * HTML searched for URLs, each parsed) and one that only ever warns: the next load judges them. The
   * server's first load does, so it answers sooner and prints every warning once it serves.
   */
  linksLater?: boolean;
}

export type FolderLoadResult = LoadResult & {
  postFiles: number;
  /** The local-link warnings were left out of this load (`linksLater`): the next load has them. */
  linksLeftOut?: true;
};

/**
 * A first load's walk asks whether its slice is used up on every this many regular post files it
 * lists, not after each: their names are all it records, and a cold `performance.now()` cost about a
 * microsecond here, as much as the rest of such a name's work (10,000 names: 10–15 ms of the walk's
 * 80–110). Every other loop reads the clock after each file, whose work can take far longer.
 */
const LISTED_PER_CLOCK = 16;
/** Thrown inside a scan to stop it when a load is waiting. */
const SCAN_GIVEN_WAY = Symbol('scan given way to a load');
/** Files per block of the version's input: a changed file costs writing one block's lines again. */
const VERSION_BLOCK = 1024;
/** Folders below `posts/` or `media/` deeper than this are refused: the walk is bounded whatever the disk holds. */
const MAX_FOLDER_DEPTH = 64;
/**
 * What the walk of a first load records for each regular post file: one object for all of them, so that
 * nothing made per file lives from the walk until the file is read (at 100,000 files, what lives that
 * long is copied by the garbage collector twice over).
 */
const LISTED: Found = Object.freeze({ type: 'listed' });
/** An entry's or a resolution's problems when it has none: most files, and no array each. */
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);
/** Post files from which a first load reads ahead in a thread: below, starting the thread costs more than it saves. */
const READ_AHEAD_FROM = 1000;
/** How a data file is opened: read-only, never following a link, never blocking on a FIFO. */
export const O_READ = nodeFs.constants.O_RDONLY | (nodeFs.constants.O_NONBLOCK ?? 0) | (nodeFs.constants.O_NOFOLLOW ?? 0);

/** What a path is right now, from lstat/stat alone: nothing has been opened yet. */
type Found =
  | { type: 'file'; identity: string; open: string; mtimeMs: number; size: number; linked: boolean }
  | { type: 'folder'; mtimeMs: number }
  | { type: 'refused'; identity: string; problem: Problem; linked: boolean }
  | { type: 'gone' }
  /** A first load's regular file as the folder listing names it: looked at when opened (see `#look`). */
  | { type: 'listed' };
/** What a path is once looked at. */
type Looked = Exclude<Found, { type: 'listed' }>;

/** A file opened and looked at through its descriptor, not yet read. */
interface Opened {
  fd: number;
  stats: Stats;
}

type Kind = 'site' | 'post' | 'media' | 'other';

/** One file as last read: its identity, its own digest and problems, and what was validated from it. */
interface Entry {
  rel: string;
  kind: Kind;
  identity: string;
  mtimeMs: number;
  /** Reached through a symbolic link: its target may change without an event for the link. */
  linked: boolean;
  digest: string;
  problems: readonly Problem[];
  site?: Site;
  /** With its content as HTML (Markdown rendered), within the HTML limits. */
  record?: PostRecord;
  /** The file as problems name it (see `#shown`), made when it was read: what its post is served as coming from. */
  shown?: string;
  /** A media file's length: media are stated, never read here (Node streams them when served). */
  size?: number;
  /** The served post, valid while the media it names are unchanged (see `resolvedAt`). */
  post?: Post;
  resolveProblems?: readonly Problem[];
  resolvedAt?: number;
  /** The post this file has in the order and in the slug and id claims, as of the last assembly. */
  placed?: Post;
  /** Its links into the data, found once per post and site address. */
  links?: { post: Post; siteUrl: string | undefined; found: LocalLink[] | undefined };
}

interface Changes {
  found: Map<string, Found>;
  /** Folders looked at, with their modification times (a deletion changes its folder's). */
  folders: Map<string, number>;
  /** Folders whose whole subtree was walked: entries below them that were not found are gone. */
  walked: string[];
  /** Everything was walked. */
  full: boolean;
}

/**
 * A data folder loaded incrementally. Each file's validated record is kept under its identity (path,
 * device, inode, size, modification and change times); a load re-reads only the files whose identity
 * changed (those the watcher names, or all on a full scan), then redoes what spans files — media links,
 * duplicate slugs and ids, local links, order, version — from what it kept of the last load, patched
 * with the files that changed (a change of media resolves every post that names one again), reusing
 * every unchanged `Post`: a reload's cost follows what changed, not the size of the folder. A post's
 * Markdown is rendered and its HTML measured when its file changes, never again while it is unchanged.
 * Content is kept as written: the app sanitises it on first use, once per `Post` object, so a post that
 * is reused across reloads is sanitised once however often the data changes around it.
 *
 * Only regular files and folders are read: a FIFO, socket or device is a problem line, and nothing is
 * opened in a way that can block. Links are followed only to targets inside the folder, unless
 * `allowExternalLinks`.
 */
export class DataFolder {
  readonly dir: string;
  readonly #limits: DataLimits;
  readonly #fs: FileSystem;
  readonly #cwd: string;
  #relativeDir: string | undefined;
  readonly #sliceMs: number;
  readonly #readAheadFrom: number;
  readonly #startReadAhead: typeof readAhead;
  readonly #readAheadEarly: boolean;
  readonly #giveWay: (() => Promise<void> | undefined) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #folders = new Map<string, number>();
  #sortedRels: string[] | undefined;
  #pending = new Set<string>();
  #fullScanNext = true;
  #mediaGeneration = 0;
  #assetsGeneration = -1;
  #assets: Map<string, Asset> = new Map();
  #last: FolderLoadResult | undefined;
  /** Which post files claim each slug and id: a duplicate is known without a pass over every post. */
  readonly #slugClaims = new Map<string, string | Set<string>>();
  readonly #idClaims = new Map<string, string | Set<string>>();
  /** Slugs and ids claimed by more than one file. */
  #conflicts = 0;
  /** Every placed post, newest first: patched with what changed rather than sorted again. */
  #order: readonly Post[] = [];
  /** Files added, changed or gone since the last assembly: what it looks at, unless the media changed. */
  readonly #touched = new Set<string>();
  /** Files with problems of their own or from resolving their post, and those in name order. */
  readonly #troubled = new Set<string>();
  #troubledRels: string[] | undefined;
  #postFiles = 0;
  /** The newest modification time among the files; looked for again when the file that had it changed. */
  #newest = 0;
  #newestGone = false;
  /** The version's input, `name NUL digest NUL` per file in name order, in blocks of `VERSION_BLOCK` files. */
  #versionBlocks: (Buffer | undefined)[] = [];
  /** Posts placed by files since changed or gone: taken out of the order at the next assembly. */
  #displaced: Post[] = [];
  /** Each post file's local-link warnings, where it has any, as last judged. */
  readonly #linkWarnings = new Map<string, Problem[]>();
  #linkWarningRels: string[] | undefined;
  /**
   * Post files that link to `/posts/<slug>`, by slug: judged again when that slug comes or goes. Made
   * from the links each entry keeps when a slug first comes or goes after a judging of every post (which
   * drops it): a start, which judges every post, does not make it.
   */
  #linkersOf: Map<string, Set<string>> | undefined;
  /** Post files whose links are to be judged again; all of them when `#linksJudged` no longer matches. */
  readonly #linksStale = new Set<string>();
  #linksJudged: { site: Site; assets: ReadonlyMap<string, Asset> } | undefined;
  #dirty = true;
  #busy: Promise<unknown> = Promise.resolve();
  #sliceStart = 0;
  #scanning = false;
  #loadWaiting = false;
  /** A first load: every file is read, so each is looked at once, when opened, instead of also before. */
  #firstLoad = false;
  #realRootOfLoad: string | undefined;
  /** The next assembly leaves out the local-link warnings (`linksLater`), and the one after has them. */
  #linksLater: boolean;
  /** What files are read into, one after the other; a larger file gets a buffer of its own. */
  readonly #scratch = Buffer.allocUnsafeSlow(64 * 1024);

  constructor(dir: string, options: DataFolderOptions = {}) {
    this.dir = path.resolve(dir);
    this.#limits = { ...DEFAULT_DATA_LIMITS, ...options.limits };
    this.#fs = options.fs ?? nodeFs;
    this.#cwd = options.cwd ?? process.cwd();
    this.#sliceMs = options.sliceMs ?? 8;
    this.#readAheadFrom = options.readAheadFrom ?? READ_AHEAD_FROM;
    this.#startReadAhead = options.readAhead ?? readAhead;
    this.#readAheadEarly = (options.readAheadEarly ?? false) && options.readAhead === undefined;
    this.#linksLater = options.linksLater ?? false;
    this.#giveWay = options.giveWay;
  }

  /** Paths that changed (absolute, or relative to the folder): the next load re-checks them and only them. */
  changed(paths: Iterable<string>): void {
    for (const file of paths) {
      const rel = toRel(path.relative(this.dir, path.resolve(this.dir, file)));
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      this.#pending.add(rel);
    }
  }

  /** The next load compares every file's identity, as the first did (SIGHUP, or after a lost event). */
  rescanAll(): void {
    this.#fullScanNext = true;
  }

  /**
   * Compares every file's identity with the last load's, reading nothing; what differs is queued for the
   * next load. Returns the paths that differ: none means the data on disk is what is served.
   */
  scan(): Promise<string[]> {
    return this.#exclusive(async () => {
      this.#sliceStart = performance.now();
      let changes: Changes;
      this.#scanning = true;
      try {
        changes = await this.#walkAll();
      } catch (error) {
        // A load was asked for: it goes first, and the next scan looks again.
        if (error === SCAN_GIVEN_WAY) return [];
        throw error;
      } finally {
        this.#scanning = false;
      }
      const differing = this.#differing(changes);
      for (const rel of differing) this.#pending.add(rel);
      // A folder's own time only dates the data: take it now rather than have the next load walk it again.
      for (const [rel, mtimeMs] of changes.folders) {
        if (this.#folders.get(rel) === mtimeMs) continue;
        this.#folders.set(rel, mtimeMs);
        this.#dirty = true;
        differing.push(rel);
      }
      return differing;
    });
  }

  /** Loads what changed since the last load, then validates the whole: see the class. */
  load(): Promise<FolderLoadResult> {
    this.#loadWaiting = true;
    return this.#exclusive(() => {
      this.#loadWaiting = false;
      return this.#load();
    });
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(work, work);
    this.#busy = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<FolderLoadResult> {
    this.#sliceStart = performance.now();
    const full = this.#fullScanNext;
    const hints = this.#pending;
    this.#fullScanNext = false;
    this.#pending = new Set();
    let changes: Changes;
    this.#firstLoad = full && this.#entries.size === 0;
    const early = this.#firstLoad && this.#readAheadEarly && this.#readsAhead() ? startReadAhead(this.#readAheadOptions()) : undefined;
    try {
      try {
        changes = full ? await this.#walkAll() : await this.#walkHints(hints);
      } catch (error) {
        // Nothing was applied: look again next time.
        this.#fullScanNext ||= full;
        for (const rel of hints) this.#pending.add(rel);
        throw error;
      }
      await this.#apply(changes, early);
    } finally {
      // Unused, or closed already by #apply: ending it twice does nothing.
      await early?.close();
      this.#firstLoad = false;
      this.#realRootOfLoad = undefined;
    }
    if (this.#dirty || !this.#last) {
      this.#last = await this.#assemble();
      // Left out: the next load assembles again, for them alone if nothing else changed.
      this.#dirty = this.#last.linksLeftOut === true;
    }
    return this.#last;
  }

  // ---------------------------------------------------------------------------------------------------
  // Looking: lstat, realpath, stat; never open

  #shown(rel: string): string {
    // The folder relative to cwd once, not every file's path: a path below it adds only `rel`, which
    // every walk and hint gives normalised (no empty, `.` or `..` parts).
    const folder = (this.#relativeDir ??= path.relative(this.#cwd, this.dir));
    const relative = folder === '' ? rel : path.sep === '/' ? [folder, rel].join('/') : path.join(folder, rel);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : this.#pathOf(rel);
  }

  /**
   * `path.join(this.dir, rel)` for the normalised `rel` every walk and hint gives, without join's
   * normalising pass, which allocated more per file than reading it did.
   */
  #pathOf(rel: string): string {
    return path.sep === '/' ? [this.dir === '/' ? '' : this.dir, rel].join('/') : path.join(this.dir, rel);
  }

  #realRoot(): string {
    try {
      return this.#fs.realpathSync(this.dir);
    } catch {
      return this.dir; // the folder itself is missing: every file in it will say so
    }
  }

  #inspect(rel: string, realRoot: string): Looked {
    const file = this.#pathOf(rel);
    const refuse = (message: string, severity: Problem['severity'] = 'error', linked = false, stats?: Stats): Looked => ({
      type: 'refused',
      identity: `refused:${stats ? identityOf(stats, rel) : ''}:${message}`,
      problem: { file: this.#shown(rel), message, severity },
      linked,
    });
    let stats: Stats | undefined;
    try {
      stats = this.#fs.lstatSync(file, { throwIfNoEntry: false });
    } catch (error) {
      return refuse(`cannot be read (${describe(error)})`);
    }
    if (!stats) return { type: 'gone' };
    let open = file;
    const linked = stats.isSymbolicLink();
    if (linked) {
      let target: string;
      try {
        target = this.#fs.realpathSync(file);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT') return refuse('a link to nothing, ignored', 'warning', true);
        return refuse(`cannot be read (${describe(error)})`, 'error', true);
      }
      if (!this.#limits.allowExternalLinks && !isInside(realRoot, target)) {
        return refuse(
          `a link to ${target}, outside the data folder, refused (${LIMIT_SETTINGS.allowExternalLinks}=1 allows it)`,
          'error',
          true,
        );
      }
      try {
        stats = this.#fs.statSync(target);
      } catch (error) {
        return refuse(`cannot be read (${describe(error)})`, 'error', true);
      }
      if (stats.isDirectory()) return refuse('a link to a folder, which is not followed, ignored', 'warning', true, stats);
      open = target;
    }
    if (stats.isDirectory()) return { type: 'folder', mtimeMs: stats.mtimeMs };
    if (!stats.isFile()) return refuse(`${notAFile(stats)}, not a regular file: refused, never opened`, 'error', linked, stats);
    return { type: 'file', identity: `${identityOf(stats, rel)}${linked ? `>${open}` : ''}`, open, mtimeMs: stats.mtimeMs, size: stats.size, linked };
  }

  /** Everything in the layout: `site.json`, and all below `posts/` and `media/`. */
  async #walkAll(): Promise<Changes> {
    const realRoot = this.#realRoot();
    const changes: Changes = { found: new Map(), folders: new Map(), walked: [], full: true };
    changes.found.set('site.json', this.#inspect('site.json', realRoot));
    for (const top of ['posts', 'media']) await this.#walkInto(top, realRoot, changes);
    return changes;
  }

  /** Only the paths named (and, for a folder, everything below it). */
  async #walkHints(hints: ReadonlySet<string>): Promise<Changes> {
    const realRoot = this.#realRoot();
    const changes: Changes = { found: new Map(), folders: new Map(), walked: [], full: false };
    let linksToo = false;
    for (const rel of hints) {
      if (!inLayout(rel) || isHidden(rel)) {
        // A change elsewhere in the folder may be the target of a link the layout holds.
        linksToo = true;
        continue;
      }
      if (rel === 'posts' || rel === 'media' || this.#folders.has(rel)) {
        await this.#walkInto(rel, realRoot, changes);
        continue;
      }
      const found = this.#inspect(rel, realRoot);
      if (found.type === 'folder') await this.#walkInto(rel, realRoot, changes);
      else changes.found.set(rel, found);
      // Adding or deleting a file changes its folder's time, which dates the data.
      const parent = path.posix.dirname(rel);
      if (parent !== '.' && !changes.folders.has(parent)) {
        const folder = this.#inspect(parent, realRoot);
        if (folder.type === 'folder') changes.folders.set(parent, folder.mtimeMs);
      }
      if (this.#sliceUsed()) await this.#pause();
    }
    if (linksToo) {
      for (const entry of this.#entries.values()) {
        if (entry.linked && !changes.found.has(entry.rel)) changes.found.set(entry.rel, this.#inspect(entry.rel, realRoot));
      }
    }
    return changes;
  }

  /** Walks a folder without following links to folders; records what it finds in `changes`. */
  async #walkInto(top: string, realRoot: string, changes: Changes): Promise<void> {
    changes.walked.push(top);
    const first = this.#inspect(top, realRoot);
    if (first.type === 'gone') return;
    if (first.type !== 'folder') {
      changes.found.set(top, first.type === 'file' ? this.#refusedAsFolder(top, first) : first);
      return;
    }
    const stack: { rel: string; depth: number; mtimeMs: number }[] = [{ rel: top, depth: 0, mtimeMs: first.mtimeMs }];
    let listedPosts = 0;
    for (let folder = stack.pop(); folder; folder = stack.pop()) {
      changes.folders.set(folder.rel, folder.mtimeMs);
      let names: (string | nodeFs.Dirent)[];
      try {
        const listed = path.join(this.dir, folder.rel);
        // A first load takes the listing's file types: a regular post file is then looked at when opened.
        names = this.#firstLoad ? this.#fs.readdirSync(listed, { withFileTypes: true }) : this.#fs.readdirSync(listed);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        const message = `cannot be read (${describe(error)})`;
        changes.found.set(folder.rel, { type: 'refused', identity: `refused:${message}`, problem: { file: this.#shown(folder.rel), message, severity: 'error' }, linked: false });
        continue;
      }
      for (const listed of names) {
        const name = typeof listed === 'string' ? listed : listed.name;
        // Hidden files and everything in hidden folders (.DS_Store, .git/, editors' swap files) are not the site's.
        if (name.startsWith('.')) continue;
        const rel = [folder.rel, name].join('/');
        if (typeof listed !== 'string' && listed.isFile() && kindOf(rel) === 'post') {
          changes.found.set(rel, LISTED);
          if (++listedPosts % LISTED_PER_CLOCK === 0 && this.#sliceUsed()) await this.#pause();
          continue;
        }
        const found = this.#inspect(rel, realRoot);
        if (found.type === 'folder') {
          if (folder.depth + 1 > MAX_FOLDER_DEPTH) {
            const message = `folders nested more than ${MAX_FOLDER_DEPTH} deep are not read`;
            changes.found.set(rel, { type: 'refused', identity: `refused:${message}`, problem: { file: this.#shown(rel), message, severity: 'error' }, linked: false });
          } else stack.push({ rel, depth: folder.depth + 1, mtimeMs: found.mtimeMs });
        } else if (found.type !== 'gone') changes.found.set(rel, found);
        if (this.#sliceUsed()) await this.#pause();
      }
    }
  }

  #refusedAsFolder(rel: string, found: Extract<Found, { type: 'file' }>): Found {
    const message = 'expected a folder, found a file';
    return { type: 'refused', identity: `refused:${found.identity}`, problem: { file: this.#shown(rel), message, severity: 'error' }, linked: found.linked };
  }

  /** Paths whose identity differs from the last load, and known files no longer found. */
  #differing(changes: Changes): string[] {
    const out: string[] = [];
    for (const [rel, found] of changes.found) {
      const entry = this.#entries.get(rel);
      if (found.type === 'gone' ? entry !== undefined : found.type === 'folder' || found.type === 'listed' || entry?.identity !== found.identity) out.push(rel);
    }
    for (const rel of this.#entries.keys()) if (!changes.found.has(rel) && isBelowAny(rel, changes.walked, changes.full)) out.push(rel);
    for (const rel of this.#folders.keys()) if (!changes.folders.has(rel) && isBelowAny(rel, changes.walked, changes.full)) out.push(rel);
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Reading what changed

  /** @param [early] - a reader thread started before the listing (`readAheadEarly`): used or ended here */
  async #apply(changes: Changes, early?: ReadAheadStarting): Promise<void> {
    for (const [rel, mtimeMs] of changes.folders) {
      if (this.#folders.get(rel) !== mtimeMs) {
        this.#folders.set(rel, mtimeMs);
        this.#dirty = true;
      }
    }
    const gone = (rel: string) => this.#replace(rel, undefined);
    if (changes.walked.length) {
      for (const rel of [...this.#entries.keys()]) {
        if (!changes.found.has(rel) && isBelowAny(rel, changes.walked, changes.full)) gone(rel);
      }
      for (const rel of [...this.#folders.keys()]) {
        if (!changes.folders.has(rel) && isBelowAny(rel, changes.walked, changes.full)) {
          this.#folders.delete(rel);
          this.#dirty = true;
        }
      }
    }
    const ahead = this.#readAhead(changes, early);
    let listedIndex = 0;
    try {
      for (const [rel, listed] of changes.found) {
        let found: Looked;
        let opened: Opened | undefined;
        let read: ReadAheadFile | undefined;
        if (listed.type === 'listed') {
          read = ahead?.take(listedIndex++);
          if (read) found = { type: 'file', identity: identityOf(read, rel), open: this.#pathOf(rel), mtimeMs: read.mtimeMs, size: read.size, linked: false };
          else ({ found, opened } = this.#look(rel, this.#pathOf(rel)));
        } else found = listed;
        if (found.type === 'gone' || found.type === 'folder') {
          gone(rel);
          if (found.type === 'gone') this.#forgetFolder(rel);
          continue;
        }
        const entry = this.#entries.get(rel);
        if (entry?.identity === found.identity) {
          if (opened) this.#fs.closeSync(opened.fd);
          continue;
        }
        // Reading touches no entry: the one looked up stands, and is not looked up again.
        this.#replaceEntry(rel, entry, found.type === 'refused' ? this.#refused(rel, found) : this.#read(rel, found, opened ?? read));
        if (this.#sliceUsed()) await this.#pause();
      }
    } finally {
      await ahead?.close();
    }
  }

  /**
   * On a first load of many post files from the disk, a thread that opens, reads and hashes them while
   * this one parses and validates what it already has (see read-ahead.ts); none for a few files, whose
   * thread would cost more than it saves, nor for a stand-in file system.
   */
  #readAhead(changes: Changes, early: ReadAheadStarting | undefined): ReadAhead | undefined {
    if (!this.#firstLoad || !this.#readsAhead()) return undefined;
    const rels: string[] = [];
    for (const [rel, found] of changes.found) if (found.type === 'listed') rels.push(rel);
    if (rels.length < this.#readAheadFrom) {
      void early?.close();
      return undefined;
    }
    return early ? early.read(rels) : this.#startReadAhead(rels, this.#readAheadOptions());
  }

  /** Whether a first load may read ahead in a thread: from the disk, and not turned off. */
  #readsAhead(): boolean {
    return this.#fs === nodeFs && this.#readAheadFrom !== Infinity;
  }

  #readAheadOptions() {
    return { root: this.dir, flags: O_READ, maxBytes: this.#limits.maxPostBytes };
  }

  /** Puts `next` where `rel`'s entry was, or nothing: what is kept between assemblies hears of it here. */
  #replace(rel: string, next: Entry | undefined): void {
    this.#replaceEntry(rel, this.#entries.get(rel), next);
  }

  /** `#replace`, given `rel`'s entry now (undefined: none). */
  #replaceEntry(rel: string, entry: Entry | undefined, next: Entry | undefined): void {
    if (!entry && !next) return;
    if (entry) {
      this.#release(entry);
      if (entry.kind === 'post') this.#postFiles--;
      // The newest file gone, or written back older (a restore): look for the newest again.
      if (entry.mtimeMs >= this.#newest && !(next && next.mtimeMs >= entry.mtimeMs)) this.#newestGone = true;
    }
    if (next) {
      this.#entries.set(rel, next);
      if (next.kind === 'post') this.#postFiles++;
      this.#newest = Math.max(this.#newest, next.mtimeMs);
    } else this.#entries.delete(rel);
    if (!entry || !next) this.#sortedRels = undefined;
    else this.#versionBlocks[this.#blockOf(rel)] = undefined;
    if (entry?.kind === 'media' || next?.kind === 'media') this.#mediaGeneration++;
    // Media changed since the last assembly (or there was none): the next one looks at every file.
    if (this.#assetsGeneration === this.#mediaGeneration) this.#touched.add(rel);
    this.#dirty = true;
  }

  /** The version block that holds `rel`'s line (the file list's order is unchanged when this is asked). */
  #blockOf(rel: string): number {
    const rels = this.#sortedRels ?? [];
    let low = 0;
    let high = rels.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (rels[middle]! < rel) low = middle + 1;
      else high = middle;
    }
    return Math.floor(low / VERSION_BLOCK);
  }

  /**
   * A listed file, opened and looked at through its descriptor: the same identity as `#inspect` gives a
   * regular file, in one system call fewer. Anything else it turned out to be (a link, which O_NOFOLLOW
   * refuses to open, something not a regular file, gone, unreadable) is looked at as every walk does.
   */
  #look(rel: string, file: string): { found: Looked; opened?: Opened } {
    const opened = openRegularFile(this.#fs, file);
    if ('fd' in opened) {
      if (opened.stats.isFile()) {
        const { stats } = opened;
        return { found: { type: 'file', identity: identityOf(stats, rel), open: file, mtimeMs: stats.mtimeMs, size: stats.size, linked: false }, opened };
      }
      this.#fs.closeSync(opened.fd);
    } else if (opened.problem === 'gone') {
      // Listed, then gone when opened: said as of a file deleted between the look and the read.
      return { found: { type: 'file', identity: 'gone', open: file, mtimeMs: 0, size: 0, linked: false } };
    }
    return { found: this.#inspect(rel, (this.#realRootOfLoad ??= this.#realRoot())) };
  }

  #forgetFolder(rel: string): void {
    if (!this.#folders.has(rel)) return;
    this.#folders.delete(rel);
    this.#dirty = true;
    for (const known of [...this.#entries.keys()]) if (known.startsWith(`${rel}/`)) this.#replace(known, undefined);
    for (const known of [...this.#folders.keys()]) if (known.startsWith(`${rel}/`)) this.#folders.delete(known);
    this.#sortedRels = undefined;
    this.#mediaGeneration++;
  }

  #refused(rel: string, found: Extract<Found, { type: 'refused' }>): Entry {
    return { rel, kind: kindOf(rel), identity: found.identity, mtimeMs: 0, linked: found.linked, digest: '', problems: [found.problem] };
  }

  /** @param [opened] - the file, when `#look` opened it (read from there, and closed), or as a reader thread read it */
  #read(rel: string, found: Extract<Found, { type: 'file' }>, opened?: Opened | ReadAheadFile): Entry {
    const problems: Problem[] = [];
    const entry = this.#readInto(rel, found, problems, opened);
    entry.problems = problems.length ? problems : NO_PROBLEMS;
    return entry;
  }

  #readInto(rel: string, found: Extract<Found, { type: 'file' }>, problems: Problem[], opened?: Opened | ReadAheadFile): Entry {
    const kind = kindOf(rel);
    const shownAs = this.#shown(rel);
    const entry: Entry = { rel, kind, identity: found.identity, mtimeMs: found.mtimeMs, linked: found.linked, digest: '', problems };
    const problem = (message: string, severity: Problem['severity'] = 'error', field?: string) => {
      problems.push(field ? { file: shownAs, path: field, message, severity } : { file: shownAs, message, severity });
      return entry;
    };
    if (kind === 'other') return problem(rel.startsWith('posts/') ? 'not a .json file, ignored' : 'not part of the data, ignored', 'warning');
    if (kind === 'media') {
      // Media can be large: their identity (device, inode, size, times) stands for their bytes in the
      // version, and the file is streamed from disk when served, never held here.
      entry.digest = sha256Of('sha256', `stat\u0000${found.identity}`);
      entry.size = found.size;
      return entry;
    }
    // Into one buffer reused file after file: what is kept is the text and the digest, never the bytes.
    const read: { bytes: Buffer; digest?: string } | { problem: string } =
      opened && 'digest' in opened
        ? opened
        : opened
          ? readOpenedFile(this.#fs, opened, this.#limits.maxPostBytes, this.#scratch)
          : readRegularFile(this.#fs, found.open, this.#limits.maxPostBytes, this.#scratch);
    if ('problem' in read) return read.problem === 'gone' ? problem('deleted while it was read', 'warning') : problem(read.problem);
    // One call, no Hash object: a tenth of 100,000 small files' hashing went to making and finishing one each.
    entry.digest = read.digest ?? sha256Of('sha256', read.bytes);
    const text = read.bytes.toString('utf8');
    if (kind === 'site') {
      const site = parseRecord({ file: shownAs, text }, SiteSchema, problems);
      if (site) entry.site = site;
      return entry;
    }
    const parsed = parseRecord({ file: shownAs, text }, PostSchema, problems);
    if (!parsed) return entry;
    // Measured as served: rendered Markdown can nest deeper than its source reads.
    const record = withHtmlContent(parsed);
    const shape = measureHtml(record.content);
    let fits = true;
    if (shape.depth > this.#limits.maxHtmlDepth) {
      problem(`nested ${shape.depth} elements deep; the limit is ${this.#limits.maxHtmlDepth} (${LIMIT_SETTINGS.maxHtmlDepth})`, 'error', 'content');
      fits = false;
    }
    if (shape.elements > this.#limits.maxHtmlElements) {
      problem(`${shape.elements} elements; the limit is ${this.#limits.maxHtmlElements} (${LIMIT_SETTINGS.maxHtmlElements})`, 'error', 'content');
      fits = false;
    }
    if (fits) {
      entry.record = record;
      entry.shown = shownAs;
    }
    return entry;
  }

  // ---------------------------------------------------------------------------------------------------
  // What spans files

  async #assemble(): Promise<FolderLoadResult> {
    const linksLater = this.#linksLater;
    this.#linksLater = false;
    if (!this.#sortedRels) {
      this.#sortedRels = [...this.#entries.keys()].sort();
      this.#versionBlocks = [];
    }
    const rels = this.#sortedRels;
    // New media: every post that names one is resolved again (see `#resolved`).
    const everything = this.#assetsGeneration !== this.#mediaGeneration;
    if (everything) {
      this.#assets = new Map();
      for (const rel of rels) {
        const entry = this.#entries.get(rel);
        if (entry?.kind === 'media' && entry.size !== undefined) {
          this.#assets.set(`/${rel}`, { path: rel, file: this.#shown(rel), size: entry.size, stamp: entry.identity, mediaType: mediaTypeOf(rel) });
        }
      }
      this.#assetsGeneration = this.#mediaGeneration;
    }
    const siteEntry = this.#entries.get('site.json');
    const problems = this.#siteProblems(siteEntry);

    // The files that changed: each post placed, and its slug and id claimed, again.
    const added: Post[] = [];
    let i = 0;
    for (const rel of everything ? rels : this.#touched) {
      if (++i % 1024 === 0) await this.#pause();
      const entry = this.#entries.get(rel);
      let troubled = false;
      if (entry && entry.kind !== 'site') {
        if (entry.kind === 'post') {
          const post = this.#resolved(entry);
          if (entry.placed !== post) this.#place(entry, post, added);
        }
        troubled = entry.problems.length > 0 || (entry.resolveProblems?.length ?? 0) > 0;
      }
      if (troubled === this.#troubled.has(rel)) continue;
      if (troubled) this.#troubled.add(rel);
      else this.#troubled.delete(rel);
      this.#troubledRels = undefined;
    }
    this.#touched.clear();
    this.#order = withChanges(this.#order, this.#displaced, added);
    this.#displaced = [];
    // Two files claim one slug or id: which keeps it is decided in name order, as a fresh load decides.
    if (this.#conflicts) return { ...(await this.#assembleWithConflicts(rels, siteEntry)), postFiles: this.#postFiles };

    this.#troubledRels ??= [...this.#troubled].sort();
    for (const rel of this.#troubledRels) {
      const entry = this.#entries.get(rel);
      if (entry?.problems.length) problems.push(...entry.problems);
      if (entry?.resolveProblems?.length) problems.push(...entry.resolveProblems);
    }
    const site = siteEntry?.site;
    const valid = site !== undefined && !problems.some((p) => p.severity === 'error');
    const linksLeftOut = valid && linksLater;
    const localLinks = valid && !linksLeftOut ? await this.#localLinkProblems(site) : [];
    const result = await completeDataset({
      site,
      siteFile: this.#shown('site.json'),
      posts: [...this.#order],
      sorted: true,
      assets: this.#assets,
      problems,
      version: () => this.#version(rels),
      modified: this.#modified(),
      localLinks: () => localLinks,
    });
    return { ...result, postFiles: this.#postFiles, ...(linksLeftOut ? { linksLeftOut } : {}) };
  }

  /**
   * SHA-256 over `name NUL digest NUL` for each file in name order (see `DataVersion`, which this
   * matches): the lines are kept in blocks, and only the block of a changed file is written again.
   */
  async #version(rels: readonly string[]): Promise<string> {
    const hash = createHash('sha256');
    for (let block = 0; block * VERSION_BLOCK < rels.length; block++) {
      let bytes = this.#versionBlocks[block];
      if (!bytes) {
        let lines = '';
        for (let i = block * VERSION_BLOCK; i < Math.min(rels.length, (block + 1) * VERSION_BLOCK); i++) {
          const rel = rels[i]!;
          // Ignored and refused files have no digest: they are not data, and their problems say so.
          const digest = this.#entries.get(rel)?.digest;
          if (digest) lines += versionLine(rel, digest);
        }
        this.#versionBlocks[block] = bytes = Buffer.from(lines);
        if (this.#sliceUsed()) await this.#pause();
      }
      hash.update(bytes);
    }
    return hash.digest('hex').slice(0, 16);
  }

  /** The newest modification time among the files and folders: when the data last changed. */
  #modified(): Date | undefined {
    if (this.#newestGone) {
      this.#newest = 0;
      for (const entry of this.#entries.values()) if (entry.mtimeMs > this.#newest) this.#newest = entry.mtimeMs;
      this.#newestGone = false;
    }
    let newest = this.#newest;
    for (const mtimeMs of this.#folders.values()) if (mtimeMs > newest) newest = mtimeMs;
    return newest > 0 ? new Date(Math.floor(newest)) : undefined;
  }

  /** Every problem in name order, slugs and ids admitted file by file: the verdict is an error. */
  async #assembleWithConflicts(rels: readonly string[], siteEntry: Entry | undefined): Promise<LoadResult> {
    const problems = this.#siteProblems(siteEntry);
    const seen = newPostIndex();
    let i = 0;
    for (const rel of rels) {
      if (++i % 1024 === 0) await this.#pause();
      const entry = this.#entries.get(rel);
      if (!entry || entry.kind === 'site') continue;
      if (entry.problems.length) problems.push(...entry.problems);
      if (entry.kind !== 'post') continue;
      if (entry.resolveProblems?.length) problems.push(...entry.resolveProblems);
      if (entry.placed) admitPost(entry.placed, seen, problems);
    }
    return { ok: false, problems };
  }

  #siteProblems(siteEntry: Entry | undefined): Problem[] {
    const problems = [...(siteEntry?.problems ?? [])];
    // Gone, or a link to nothing: its warning alone would leave the refusal unexplained.
    if (!siteEntry?.site && !siteEntry?.problems.some((p) => p.severity === 'error')) {
      problems.push({ file: this.#shown('site.json'), message: 'cannot be read (it does not exist)', severity: 'error' });
    }
    return problems;
  }

  /** Takes the entry's post out of the order and its claims back (the file changed, or is gone). */
  #release(entry: Entry): void {
    const post = entry.placed;
    if (!post) return;
    if (this.#unclaim(this.#slugClaims, post.slug, entry.rel)) this.#slugCameOrWent(post.slug);
    if (post.id !== undefined) this.#unclaim(this.#idClaims, post.id, entry.rel);
    this.#displaced.push(post);
    delete entry.placed;
    this.#forgetLinks(entry);
  }

  #place(entry: Entry, post: Post | undefined, added: Post[]): void {
    this.#release(entry);
    if (!post) return;
    if (this.#claim(this.#slugClaims, post.slug, entry.rel)) this.#slugCameOrWent(post.slug);
    if (post.id !== undefined) this.#claim(this.#idClaims, post.id, entry.rel);
    entry.placed = post;
    added.push(post);
    // Nothing judged yet: the next judging looks at every post.
    if (this.#linksJudged) this.#linksStale.add(entry.rel);
  }

  /** Claims `key` for `rel`; true when no file claimed it before. */
  #claim(claims: Map<string, string | Set<string>>, key: string, rel: string): boolean {
    const owners = claims.get(key);
    if (owners === undefined) {
      claims.set(key, rel);
      return true;
    }
    if (typeof owners === 'string') {
      claims.set(key, new Set([owners, rel]));
      this.#conflicts++;
    } else owners.add(rel);
    return false;
  }

  /** Gives `key` back for `rel`; true when no file claims it any more. */
  #unclaim(claims: Map<string, string | Set<string>>, key: string, rel: string): boolean {
    const owners = claims.get(key);
    if (owners === rel) return claims.delete(key);
    if (owners instanceof Set && owners.delete(rel) && owners.size === 1) {
      claims.set(key, owners.values().next().value as string);
      this.#conflicts--;
    }
    return false;
  }

  /** A link to `/posts/<slug>` is missing or not depending on this alone. */
  #slugCameOrWent(slug: string): void {
    // Nothing judged yet: the next judging looks at every post.
    if (!this.#linksJudged) return;
    for (const rel of this.#linkers().get(slug) ?? []) this.#linksStale.add(rel);
  }

  #linkers(): Map<string, Set<string>> {
    if (!this.#linkersOf) {
      this.#linkersOf = new Map();
      for (const entry of this.#entries.values()) if (entry.links?.found) this.#addLinker(this.#linkersOf, entry.rel, entry.links.found);
    }
    return this.#linkersOf;
  }

  #addLinker(linkersOf: Map<string, Set<string>>, rel: string, found: readonly LocalLink[]): void {
    for (const link of found) {
      const slug = linkedSlug(link.path);
      if (slug === undefined) continue;
      const linkers = linkersOf.get(slug);
      if (linkers) linkers.add(rel);
      else linkersOf.set(slug, new Set([rel]));
    }
  }

  #forgetLinks(entry: Entry): void {
    const linkersOf = this.#linkersOf;
    if (linkersOf) {
      for (const link of entry.links?.found ?? []) {
        const slug = linkedSlug(link.path);
        const linkers = slug === undefined ? undefined : linkersOf.get(slug);
        if (!linkers) continue;
        linkers.delete(entry.rel);
        if (!linkers.size) linkersOf.delete(slug!);
      }
    }
    delete entry.links;
    if (this.#linkWarnings.delete(entry.rel)) this.#linkWarningRels = undefined;
  }

  /**
   * The local-link warnings, in name order. Each post's links are found once per post object (the
   * costly part: its HTML searched, each URL parsed) and judged when the post changes or a slug it
   * links to comes or goes; everything is judged again when the site or the media change.
   */
  async #localLinkProblems(site: Site): Promise<Problem[]> {
    const siteUrl = siteUrlOf(site);
    const slugs = { has: (slug: string) => this.#slugClaims.has(slug) };
    const everything = this.#linksJudged?.site !== site || this.#linksJudged.assets !== this.#assets;
    // Every post judged: who links to what is made again when a reload first asks (see `#linkers`).
    if (everything) this.#linkersOf = undefined;
    const judge = (rel: string, entry: Entry | undefined) => {
      const post = entry?.placed;
      if (!post) return;
      if (entry.links?.post !== post || entry.links.siteUrl !== site.url) {
        this.#forgetLinks(entry);
        entry.links = { post, siteUrl: site.url, found: postLocalLinks(post, siteUrl) };
        if (this.#linkersOf && entry.links.found) this.#addLinker(this.#linkersOf, rel, entry.links.found);
      }
      const warnings = entry.links.found ? judgeLocalLinks(entry.links.found, slugs, this.#assets) : [];
      const had = this.#linkWarnings.has(rel);
      if (warnings.length) this.#linkWarnings.set(rel, warnings);
      else this.#linkWarnings.delete(rel);
      if (had !== warnings.length > 0) this.#linkWarningRels = undefined;
    };
    let i = 0;
    // Every file: its entry as it comes, no look-up each (the warnings are put in name order below).
    for (const entry of everything ? this.#entries.values() : []) {
      if (++i % 256 === 0) await this.#pause();
      judge(entry.rel, entry);
    }
    for (const rel of everything ? [] : this.#linksStale) {
      if (++i % 256 === 0) await this.#pause();
      judge(rel, this.#entries.get(rel));
    }
    this.#linksStale.clear();
    this.#linksJudged = { site, assets: this.#assets };
    this.#linkWarningRels ??= [...this.#linkWarnings.keys()].sort();
    const problems = judgeLocalLinks(siteLocalLinks(site, this.#shown('site.json')), slugs, this.#assets);
    for (const rel of this.#linkWarningRels) problems.push(...(this.#linkWarnings.get(rel) ?? []));
    return problems;
  }

  /** The entry's post, reused while neither the file nor (for a post that names media) the media changed. */
  #resolved(entry: Entry): Post | undefined {
    const record = entry.record;
    if (!record) return undefined;
    const namesMedia = record.image !== undefined || record.attachments !== undefined;
    if (entry.resolvedAt !== undefined && (!namesMedia || entry.resolvedAt === this.#assetsGeneration)) {
      // Also a post that failed to resolve keeps its problems until the file or the media change.
      return entry.post;
    }
    const resolveProblems: Problem[] = [];
    const resolved = resolvePost(record, entry.shown ?? this.#shown(entry.rel), this.#assets, resolveProblems);
    entry.resolveProblems = resolveProblems.length ? resolveProblems : NO_PROBLEMS;
    entry.resolvedAt = this.#assetsGeneration;
    if (!resolved) {
      delete entry.post;
      return undefined;
    }
    entry.post = resolved;
    return resolved;
  }

  /**
   * Whether the current slice of work is used up: asked before `#pause` in loops over every file, so
   * that a file costs no promise and no trip through the microtask queue while the slice lasts.
   */
  #sliceUsed(): boolean {
    return performance.now() - this.#sliceStart >= this.#sliceMs;
  }

  /** Gives the event loop a turn once the current slice of work is used up, and the requests in flight theirs. */
  async #pause(): Promise<void> {
    if (performance.now() - this.#sliceStart < this.#sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.#giveWay?.();
    this.#sliceStart = performance.now();
    // A scan of a large folder takes seconds: an edit waiting behind it would be served that much later.
    if (this.#scanning && this.#loadWaiting) throw SCAN_GIVEN_WAY;
  }
}

/**
 * Reads and validates a data folder once: what `npm run check`, `npm run build:data`, the export and the
 * notifier use. The server keeps its `DataFolder` to reload incrementally.
 */
export function loadDataDir(dir: string, options: DataFolderOptions = {}): Promise<FolderLoadResult> {
  return new DataFolder(dir, options).load();
}

/**
 * Reads a file that was a regular file when looked at, refusing anything else it became meanwhile.
 * @param [into] - a buffer to read into when the file fits; the bytes returned are then a view of it,
 *   valid until it is read into again
 */
export function readRegularFile(
  fs: FileSystem,
  file: string,
  maxBytes: number | undefined,
  into?: Buffer,
): { bytes: Buffer } | { problem: string } {
  const opened = openRegularFile(fs, file);
  return 'fd' in opened ? readOpenedFile(fs, opened, maxBytes, into) : opened;
}

/** Opens a file without following a link or waiting on a FIFO, and looks at what was opened. */
function openRegularFile(fs: FileSystem, file: string): Opened | { problem: string } {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in since the look opens at once instead of waiting for a writer.
    fd = fs.openSync(file, O_READ);
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? { problem: 'gone' } : { problem: `cannot be read (${describe(error)})` };
  }
  try {
    return { fd, stats: fs.fstatSync(fd) };
  } catch (error) {
    fs.closeSync(fd);
    return { problem: `cannot be read (${describe(error)})` };
  }
}

/** Reads what `openRegularFile` opened, refusing anything but a regular file within `maxBytes`; closes it. */
function readOpenedFile(fs: FileSystem, { fd, stats }: Opened, maxBytes: number | undefined, into?: Buffer): { bytes: Buffer } | { problem: string } {
  try {
    if (!stats.isFile()) return { problem: `${notAFile(stats)}, not a regular file: refused` };
    if (maxBytes !== undefined && stats.size > maxBytes) {
      return { problem: `${stats.size} bytes; the limit is ${maxBytes} (${LIMIT_SETTINGS.maxPostBytes})` };
    }
    const bytes = into && into.length >= stats.size ? into : Buffer.allocUnsafe(stats.size);
    let offset = 0;
    while (offset < stats.size) {
      const read = fs.readSync(fd, bytes, offset, stats.size - offset, null);
      if (read === 0) break; // truncated while we read: the watcher brings the rest
      offset += read;
    }
    return { bytes: offset === bytes.length ? bytes : bytes.subarray(0, offset) };
  } catch (error) {
    return { problem: `cannot be read (${describe(error)})` };
  } finally {
    fs.closeSync(fd);
  }
}

const toRel = (relative: string) => relative.split(path.sep).join('/');
/**
 * What a file is as stat sees it: device, inode, size, modification and change times. A media file's
 * identity stands for its bytes in the data version, so it is their text (`dev:ino:size:mtime:ctime`);
 * any other file's is only ever compared, so it is the five numbers' bytes as a string, which costs no
 * conversion of the times to decimals (at 100,000 posts, most of the time their identities took).
 */
const identityOf = (s: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>, rel: string): string => {
  // Joined rather than written as a template: a template's pieces are kept as a tree of strings (ten
  // objects a file, for as long as the file is known), a join makes one flat string of the same text.
  // The same holds for the paths joined above, which are kept as keys and in every post.
  if (kindOf(rel) === 'media') return [s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs].join(':');
  STAT_NUMBERS[0] = s.dev;
  STAT_NUMBERS[1] = s.ino;
  STAT_NUMBERS[2] = s.size;
  STAT_NUMBERS[3] = s.mtimeMs;
  STAT_NUMBERS[4] = s.ctimeMs;
  // `apply` takes the typed array as it is; a spread would iterate it.
  return String.fromCharCode.apply(null, STAT_UNITS);
};
const STAT_NUMBERS = new Float64Array(5);
/** The numbers' bytes, as the code units of a string. */
const STAT_UNITS: number[] = new Uint16Array(STAT_NUMBERS.buffer) as unknown as number[];
const isHidden = (rel: string) => rel.split('/').some((part) => part.startsWith('.'));
const inLayout = (rel: string) =>
  rel === 'site.json' || rel === 'posts' || rel === 'media' || rel.startsWith('posts/') || rel.startsWith('media/');
const isInside = (root: string, target: string) => {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};
/** In a full walk everything was looked at; otherwise only what lies below the folders walked. */
const isBelowAny = (rel: string, folders: readonly string[], full: boolean) =>
  full || folders.some((folder) => rel === folder || rel.startsWith(`${folder}/`));

function kindOf(rel: string): Kind {
  if (rel === 'site.json') return 'site';
  if (rel.startsWith('media/')) return 'media';
  if (rel.startsWith('posts/') && rel.endsWith('.json')) return 'post';
  return 'other';
}

function notAFile(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file or folder';
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;
/** The reason in a publisher's words. */
const READ_ERRORS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of its path is a file, not a folder',
  ELOOP: 'a link that leads back to itself (ELOOP)',
  ENAMETOOLONG: 'its path is too long',
  EMFILE: 'too many open files; try again',
  ENFILE: 'too many open files; try again',
  EIO: 'an input/output error from the disk',
};
const describe = (error: unknown) => {
  const code = errorCode(error);
  if (code) return READ_ERRORS[code] ?? code;
  return error instanceof Error ? error.message : String(error);
};
