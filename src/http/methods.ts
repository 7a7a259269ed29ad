import type { Context, Hono } from 'hono';
import { ALLOWED_METHODS, KNOWN_METHODS } from './guards.ts';
import { SECURITY_HEADERS, textResponse } from './respond.ts';

/** What a path answers besides GET and HEAD (Hono answers HEAD with the GET route): 204 or 405, or its 404. */
const OTHER_METHODS = [...KNOWN_METHODS].filter((method) => method !== 'GET' && method !== 'HEAD');

/**
 * One path's resource, in two steps: `locate` finds what the path names without rendering anything
 * (or answers with a 404 or a move), `serve` answers GET and HEAD with it. OPTIONS and the other
 * methods ask `locate` too, so they answer 404 exactly where GET would.
 */
export interface Resource<T> {
  locate: (c: Context) => T | Response;
  serve: (c: Context, found: T) => Response | Promise<Response>;
  /** Headers of the answer to a CORS preflight (feeds are readable from any origin); default: none. */
  preflight?: Readonly<Record<string, string>>;
}

/**
 * Registers a path on `app`: GET and HEAD locate and serve; OPTIONS is answered 204 with `Allow`
 * (RFC 9110 §9.3.7) and the resource's preflight headers; any other method 405 with `Allow`.
 * @example
 * resource(app, '/healthz', { locate: snapshot, serve: function healthz(c, snap) { … } });
 */
export function resource<T>(app: Hono, path: string, resource: Resource<T>): void {
  const preflight = resource.preflight ?? {};
  app.get(path, function get(c) {
    const found = resource.locate(c);
    return found instanceof Response ? found : resource.serve(c, found);
  });
  app.on(OTHER_METHODS, path, function otherMethod(c) {
    const found = resource.locate(c);
    // Whatever GET would find here, a category under another spelling included, exists for them too.
    if (found instanceof Response && found.status === 404) return found;
    if (c.req.method !== 'OPTIONS') {
      // RFC 9110 §15.5.6: a 405 names what the path does take.
      return textResponse(`${c.req.method} is not allowed here; use GET or HEAD.`, 405, { Allow: ALLOWED_METHODS });
    }
    return new Response(null, { status: 204, headers: { Allow: ALLOWED_METHODS, ...preflight, ...SECURITY_HEADERS } });
  });
}
