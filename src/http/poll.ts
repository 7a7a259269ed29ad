/**
 * A poll of a prepared feed or page, decided once for every runtime path: the app's Response and a
 * server's own fast path (src/node/fast-path.ts) call the same function, so they cannot answer apart.
 */

import { notModifiedBy } from './conditional.ts';
import { chooseEncoding } from './negotiation.ts';
import { CONTENT_CODINGS, type ContentCoding } from './representation.ts';
import type { Prepared } from './respond.ts';

/** The request headers a prepared answer depends on, as the runtime hands them (absent: null or undefined). */
export interface PollRequest {
  acceptEncoding: string | null | undefined;
  ifNoneMatch: string | null | undefined;
  ifModifiedSince: string | null | undefined;
}

/** What to write: headers made when the representation was prepared, as a record and as a flat list. */
export interface PollAnswer {
  readonly status: 200 | 304;
  readonly headers: Readonly<Record<string, string>>;
  /** `[name, value, name, value, …]`, what node:http's `writeHead` takes without building anything. */
  readonly flatHeaders: readonly string[];
  /** The body of a 200; null for a 304. */
  readonly bytes: Uint8Array | null;
  readonly coding: ContentCoding | undefined;
}

/**
 * Accept-Encoding values repeat (each client sends the same one every poll): remember the choice for
 * the last few hundred distinct ones rather than parse q-values on every request.
 */
const encodingChoices = new Map<string, ContentCoding | undefined>();
function encodingFor(acceptEncoding: string | null | undefined, available: readonly ContentCoding[]): ContentCoding | undefined {
  if (!acceptEncoding || available.length === 0) return undefined;
  const key = available.length === CONTENT_CODINGS.length ? acceptEncoding : `${available.join()}|${acceptEncoding}`;
  if (encodingChoices.has(key)) return encodingChoices.get(key);
  const chosen = chooseEncoding(acceptEncoding, available);
  if (encodingChoices.size >= 256) encodingChoices.clear();
  encodingChoices.set(key, chosen);
  return chosen;
}

/**
 * The answer to a GET or HEAD of a prepared representation: the encoding Accept-Encoding takes (RFC
 * 9110 §12.5.3), then 304 when the validators say the client has those bytes (§13.1), else the bytes.
 * Pure but for the clock, which only an If-Modified-Since asks.
 */
export function answerPoll(request: PollRequest, prepared: Prepared, now: () => Date): PollAnswer {
  const coding = encodingFor(request.acceptEncoding, prepared.available);
  const variant = (coding && prepared.encoded[coding]) || prepared.identity;
  const { ifNoneMatch, ifModifiedSince } = request;
  // The usual poll sends back exactly the tag it was given: no list to parse.
  const unchanged =
    ifNoneMatch === variant.etag ||
    ((ifNoneMatch != null || ifModifiedSince != null) &&
      notModifiedBy({ ifNoneMatch, ifModifiedSince }, { etag: variant.etag, lastModified: prepared.lastModified }, now));
  return unchanged ? variant.answers.notModified : variant.answers.ok;
}

/**
 * Request headers a remembered answer may vary on: Accept is in the table's key, Accept-Encoding and the
 * validators are decided by `answerPoll`. An answer that varies on anything else is never remembered.
 */
const DECIDED_HERE = new Set(['accept', 'accept-encoding']);
/** Distinct (URL, Accept) pairs remembered: past this many, forget them all rather than grow. */
const ROUTES_LIMIT = 2_048;
/**
 * Longer Accept values are answered by the app every time: browsers and readers send a few dozen to a
 * few hundred characters, and the table's memory stays within ROUTES_LIMIT × (URL + this).
 */
const ACCEPT_LIMIT = 512;

/**
 * Which prepared representation the app answered a URL and an Accept with, so that a server can answer
 * the same request again without routing: by the render key, looked up in the render cache each time
 * (the table holds no bytes), and only while that key starts with the snapshot key of now, i.e. while
 * the data, the posts due and the base URL are those the key was made for.
 *
 * It holds for routes whose answer depends on the URL and Accept alone, beside what `answerPoll`
 * decides: every route that serves a prepared representation, as their Vary says. `createApp` leaves
 * the table unused when a guard depends on more (a rate limit by client, a finite header budget).
 * @example
 * const polls = new PreparedPolls();
 * const app = createApp({ dataset, options: { safeContent, polls } });
 * polls.answer('http://127.0.0.1:3000/rss.xml', undefined, { acceptEncoding: 'gzip', ifNoneMatch, ifModifiedSince: undefined });
 */
export class PreparedPolls {
  readonly #routes = new Map<string, string>();
  #find: ((renderKey: string) => Prepared | undefined) | undefined;
  #now: () => Date = () => new Date();
  #snapshotKey: ((requestUrl: string) => string) | undefined;

  /** By the render pipeline: the render cache's entry for a key, if it still holds one; its clock. */
  serveFrom(find: (renderKey: string) => Prepared | undefined, now: () => Date): void {
    this.#find = find;
    this.#now = now;
  }

  /** By `createApp`: the snapshot key of a request URL now (src/http/snapshot.ts), which a render key made now starts with. */
  follow(snapshotKey: (requestUrl: string) => string): void {
    this.#snapshotKey = snapshotKey;
  }

  /** Whether an app answers through this table: a server may skip it altogether when not. */
  get connected(): boolean {
    return this.#find !== undefined && this.#snapshotKey !== undefined;
  }

  /** By the render pipeline, for each prepared answer it gives. */
  remember(request: Request, renderKey: string, prepared: Prepared): void {
    if (!this.connected || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    if (!prepared.vary.every((name) => DECIDED_HERE.has(name.toLowerCase()))) return;
    const accept = request.headers.get('Accept');
    if (accept && accept.length > ACCEPT_LIMIT) return;
    const key = routeKey(request.url, accept);
    if (this.#routes.get(key) === renderKey) return;
    if (this.#routes.size >= ROUTES_LIMIT) this.#routes.clear();
    this.#routes.set(key, renderKey);
  }

  /**
   * The answer the app would give a GET or HEAD of `requestUrl` (as the app would see it: origin and
   * target), or undefined when the app must be asked.
   */
  answer(requestUrl: string, accept: string | null | undefined, request: PollRequest): PollAnswer | undefined {
    const find = this.#find;
    const snapshotKey = this.#snapshotKey;
    if (!find || !snapshotKey) return undefined;
    const renderKey = this.#routes.get(routeKey(requestUrl, accept));
    if (renderKey === undefined) return undefined;
    const current = snapshotKey(requestUrl);
    // Keys that are not per snapshot (media, the stylesheet) are left to the app.
    if (renderKey[current.length] !== ':' || !renderKey.startsWith(current)) return undefined;
    const prepared = find(renderKey);
    return prepared && answerPoll(request, prepared, this.#now);
  }
}

const routeKey = (url: string, accept: string | null | undefined) => (accept ? `${url}\n${accept}` : url);
