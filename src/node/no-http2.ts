/**
 * Stands in for `node:http2` in the Node bundle (`npm run build:node` aliases the module to this file).
 * `@hono/node-server` imports it for `instanceof Http2ServerRequest` checks; the server is HTTP/1.1
 * only (`node:http`'s `createServer`, see server.ts), so no request is ever one, and loading the
 * module (its session, stream and compatibility layers) cost some 13 ms of every start.
 */
export class Http2ServerRequest {
  private constructor() {
    throw new Error('node:http2 is left out of this bundle: the server speaks HTTP/1.1 only');
  }
}

/** Read only on an HTTP/2 request, which never comes. */
export const constants = { NGHTTP2_NO_ERROR: 0 } as const;
