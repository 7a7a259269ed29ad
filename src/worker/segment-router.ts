import { METHOD_NAME_ALL, UnsupportedPathError, type Result, type Router } from 'hono/router';

/** A parameter may carry a pattern (`:file{sitemap-[1-9][0-9]*\\.xml}`), compiled when first needed. */
type Segment = { literal: string } | { param: string; pattern?: string; compiled?: RegExp };

interface Route<T> {
  method: string;
  segments: Segment[];
  /** Ends in `*`: matches the path's remaining segments, none included (`/media/*` matches `/media`). */
  rest: boolean;
  handler: T;
}

/** `/a/b/` → `['a', 'b', '']`, as Hono's routers split a path. */
const splitPath = (path: string): string[] => {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  return parts;
};

/**
 * A Hono router that matches by comparing path segments, with no regular expression: built in no
 * time and matching without compiling anything, for an isolate whose first request pays for both.
 * Hono's default tries a RegExpRouter over every route first, and its PatternRouter compiles one
 * expression per route on the first match: most of a cold worker's first request. It takes the
 * patterns our routes use (`/posts/:slug`, `/:file{sitemap-…}`, `/media/*`, `*`) and refuses others, as Hono's routers
 * refuse what they cannot match; it matches as Hono's TrieRouter does (`/rss.xml/` is not `/rss.xml`,
 * a parameter is never empty, handlers in the order they were added).
 */
export class SegmentRouter<T> implements Router<T> {
  name = 'SegmentRouter';
  readonly #routes: Route<T>[] = [];

  add(method: string, path: string, handler: T): void {
    const parts = path === '*' ? ['*'] : splitPath(path);
    const rest = parts.at(-1) === '*';
    if (rest) parts.pop();
    // Read with string methods, not an expression: this runs for every route in a cold isolate.
    const segments = parts.map((part): Segment => {
      if (!part.startsWith(':')) {
        if (part.includes('*') || part.includes('{') || part.includes(':') || part.endsWith('?')) throw new UnsupportedPathError();
        return { literal: part };
      }
      const brace = part.indexOf('{');
      if (brace === -1) {
        if (part.endsWith('?') || part.includes('*') || part.length === 1) throw new UnsupportedPathError();
        return { param: part.slice(1) };
      }
      if (!part.endsWith('}') || brace === 1) throw new UnsupportedPathError();
      return { param: part.slice(1, brace), pattern: part.slice(brace + 1, -1) };
    });
    this.#routes.push({ method, segments, rest, handler });
  }

  match(method: string, path: string): Result<T> {
    const parts = splitPath(path);
    const found: [T, Record<string, string>][] = [];
    for (const route of this.#routes) {
      if (route.method !== method && route.method !== METHOD_NAME_ALL) continue;
      const { segments } = route;
      if (route.rest ? parts.length < segments.length : parts.length !== segments.length) continue;
      let params: Record<string, string> | undefined = {};
      for (let i = 0; i < segments.length && params; i++) {
        const segment = segments[i]!;
        const part = parts[i]!;
        if ('literal' in segment) {
          if (segment.literal !== part) params = undefined;
        } else if (part === '' || (segment.pattern !== undefined && !(segment.compiled ??= new RegExp(`^(?:${segment.pattern})$`)).test(part))) {
          params = undefined;
        } else params[segment.param] = part;
      }
      if (params) found.push([route.handler, params]);
    }
    return [found];
  }
}
