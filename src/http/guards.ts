import type { Context, MiddlewareHandler } from 'hono';
import { plural } from '../posts/plural.ts';
import { textResponse } from './respond.ts';

/**
 * A refusal anyone may read, including a web-based reader fetching a feed from the browser: without
 * CORS it could see neither the reason nor how long to wait after a 429.
 */
const refuse = (message: string, status: number, headers: Record<string, string> = {}) =>
  textResponse(message, status, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Retry-After',
    ...headers,
  });

/** Longer request targets are refused with 414: no link of ours comes near, and logs and caches stay sane. */
export const MAX_URL_LENGTH = 2048;
/**
 * All header names and values together. The same figure as Node's own limit (16 KB, answered with 431
 * before the app runs), so Workers, where the platform allows more, refuse the same requests.
 */
export const MAX_HEADER_BYTES = 16 * 1024;
/** What every path of ours takes (RFC 9110 §10.2.1 `Allow`): HEAD is GET without the body. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/**
 * RFC 9110 §9 and PATCH (RFC 5789). Any other method gets 405 with `Allow` rather than 501 (RFC 9110
 * §15.6.2 permits either): a 5xx tells monitoring the server failed, and nothing failed here.
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

export interface RequestGuardOptions {
  /** @default MAX_URL_LENGTH (2048), path and query together */
  maxUrlLength?: number;
  /**
   * `Infinity` where the server enforces a limit itself (Node refuses over 16 KB with 431 before the
   * app runs): counting means materialising every request's headers, the dearest step of a 304.
   * @default MAX_HEADER_BYTES (16 KB)
   */
  maxHeaderBytes?: number;
}

const INVALID_PERCENT = /%(?![0-9A-Fa-f]{2})/;
/** NUL and the other C0 controls, DEL, and backslashes, which some file systems read as separators. */
const UNSAFE_PATH_CHAR = /[\x00-\x1f\x7f\\]/;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/** `decodeURIComponent`, or undefined where it would throw (a stray `%`, bytes that are not UTF-8). */
const decoded = (text: string): string | undefined => {
  if (INVALID_PERCENT.test(text)) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
};

/**
 * Where the request target (path and query, as the client sent them) starts in a request URL: right
 * after the origin. Found by two scans rather than `new URL`, which would parse the whole URL on every
 * request. `url.slice(0, n)` is the origin (`http://127.0.0.1:3000`), `url.slice(n)` the target.
 */
export function targetStart(url: string): number {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  return pathStart === -1 ? url.length : pathStart;
}

/** Why a request cannot be answered, as a 4xx/5xx response; undefined when it may go on. */
export function refusal(request: Request, limits: Required<RequestGuardOptions>): Response | undefined {
  const method = request.method;
  if (!KNOWN_METHODS.has(method)) {
    const shown = method.length > 20 ? `${method.slice(0, 20)}…` : method;
    return refuse(`${shown} is not a method this server implements; it answers GET, HEAD and OPTIONS.`, 405, {
      Allow: ALLOWED_METHODS,
    });
  }
  const target = request.url.slice(targetStart(request.url)) || '/';
  if (target.length > limits.maxUrlLength) {
    return refuse(`The URL is longer than ${limits.maxUrlLength} characters.`, 414);
  }
  if (Number.isFinite(limits.maxHeaderBytes)) {
    let headerBytes = 0;
    request.headers.forEach((value, name) => {
      headerBytes += name.length + value.length + 4; // ": " and CRLF, as on the wire
    });
    if (headerBytes > limits.maxHeaderBytes) {
      return refuse(`The request headers are larger than ${limits.maxHeaderBytes} bytes.`, 431);
    }
  }

  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const path = rawPath.includes('%') ? decoded(rawPath) : rawPath;
  if (path === undefined) return refuse('The path is not valid percent-encoding.', 400);
  // The URL parser already resolved literal `..`; what is left was hidden by encoding (`..%2f`) and
  // would name a file outside the folder it appears to be in.
  if (UNSAFE_PATH_CHAR.test(path)) return refuse('The path may not contain backslashes or control characters.', 400);
  if (DOT_SEGMENT.test(path)) return refuse('The path may not contain "." or ".." segments.', 400);
  if (queryStart !== -1) {
    const query = target.slice(queryStart + 1);
    if (query.includes('%') && decoded(query) === undefined) {
      return refuse('The query is not valid percent-encoding.', 400);
    }
  }
  return undefined;
}

/**
 * Refuses, before any route runs, what no route should see: unknown methods (405), overlong URLs (414)
 * and headers (431), and paths that are not valid percent-encoding or that climb out of a folder (400).
 * Each answer is one plain sentence; none reaches the data.
 * @param [options.maxUrlLength=2048]
 * @param [options.maxHeaderBytes=16384]
 * @example
 * app.use(requestGuards());
 */
export function requestGuards(options?: RequestGuardOptions): MiddlewareHandler {
  const limits = {
    maxUrlLength: options?.maxUrlLength ?? MAX_URL_LENGTH,
    maxHeaderBytes: options?.maxHeaderBytes ?? MAX_HEADER_BYTES,
  };
  return async function requestGuards(c, next) {
    const refused = refusal(c.req.raw, limits);
    if (refused) return refused;
    await next();
  };
}

export interface RateLimitOptions {
  /** Requests a client may make per window, and the burst it may make at once. */
  limit: number;
  windowSeconds: number;
  /** Who is asking: the remote address on Node. Undefined leaves the request unlimited. */
  clientKey: (c: Context) => string | undefined;
  /** @default MAX_RATE_LIMITED_CLIENTS; beyond it the least recently seen client is forgotten */
  maxClients?: number;
  /** Milliseconds, injectable for tests. @default Date.now */
  now?: () => number;
}

/** 10,000 buckets of a few dozen bytes each: memory stays bounded however many addresses ask. */
export const MAX_RATE_LIMITED_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client: `limit` requests at once, refilled at `limit` per `windowSeconds`. A client
 * with none left gets 429 and a `Retry-After` in whole seconds (RFC 6585 §4), which feed aggregators
 * honour. Clients are kept in least-recently-seen order and the oldest forgotten past `maxClients`.
 * @param [options.maxClients=10000]
 * @example
 * app.use(rateLimit({ limit: 120, windowSeconds: 60, clientKey: (c) => getConnInfo(c).remote.address }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { limit, windowSeconds, clientKey } = options;
  const maxClients = options.maxClients ?? MAX_RATE_LIMITED_CLIENTS;
  const now = options.now ?? Date.now;
  const perMs = limit / (windowSeconds * 1000);
  const buckets = new Map<string, Bucket>();

  return async function rateLimit(c, next) {
    const key = clientKey(c);
    if (key === undefined) return next();
    const at = now();
    const bucket = buckets.get(key) ?? { tokens: limit, at };
    // Map order is insertion order: delete and set again to make this client the most recently seen.
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value as string);

    bucket.tokens = Math.min(limit, bucket.tokens + Math.max(0, at - bucket.at) * perMs);
    bucket.at = at;
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      return refuse(
        `Too many requests: at most ${limit} every ${windowSeconds} seconds. Try again in ${plural(retryAfter, 'second')}.`,
        429,
        { 'Retry-After': String(retryAfter) },
      );
    }
    bucket.tokens -= 1;
    return next();
  };
}

export interface OriginLimitOptions {
  /** Whether links are built on a configured public URL: then the Host header chooses nothing. */
  configured: () => boolean;
  /** @default MAX_ORIGINS */
  maxOrigins?: number;
}

/** Host names answered when no public URL is set: localhost, 127.0.0.1, a LAN name and a few more. */
export const MAX_ORIGINS = 8;

/**
 * Without a public URL every link is built on the request's origin, so each new Host value is a new
 * render of every feed and page. The first `maxOrigins` origins are served; any other gets 421 (RFC 9110
 * §15.5.20: this server will not answer for that name) saying what to set. Not one render with the
 * origin swapped in: that is a new body, hash and compression per name, the very cost being bounded.
 * @param [options.maxOrigins=8]
 * @example
 * app.use(boundedOrigins({ configured: () => Boolean(siteUrl ?? source.current().site.url) }));
 */
export function boundedOrigins(options: OriginLimitOptions): MiddlewareHandler {
  const { configured } = options;
  const maxOrigins = options.maxOrigins ?? MAX_ORIGINS;
  const seen = new Set<string>();
  return async function boundedOrigins(c, next) {
    const url = c.req.url;
    const origin = url.slice(0, targetStart(url)).toLowerCase();
    // A known origin first: the usual request asks nothing of the data.
    if (!seen.has(origin)) {
      if (configured()) {
        if (seen.size < maxOrigins) seen.add(origin);
        return next();
      }
      if (seen.size >= maxOrigins) {
        return refuse(
          `This server has no public URL set and already answers for ${maxOrigins} host names; set SITE_URL (or "url" in site.json) to serve others.`,
          421,
        );
      }
      seen.add(origin);
    }
    return next();
  };
}
