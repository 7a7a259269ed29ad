import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { PreparedPolls } from '../http/poll.ts';

/**
 * A request target the app sees exactly as sent: @hono/node-server builds the URL by concatenation
 * for such targets, without `new URL`. No dot segments, no percent-encoding, at most a plain query.
 * Segments are separated by a required `/`, so a target matches or fails in one pass: with the slash
 * optional, a long run of letters followed by a character the pattern refuses backtracked
 * exponentially and held the event loop.
 */
const PLAIN_TARGET = /^\/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?)?(?:\?[A-Za-z0-9._~=&-]*)?$/;
/** A Host header @hono/node-server takes as it is (its own test): lower case, no default port. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/**
 * Answers a poll of a prepared feed or page before any routing, from what the app answered the same
 * URL and Accept with (`PreparedPolls`), decided by the same `answerPoll` the app uses: one look-up and
 * one write of headers and bytes made when the representation was rendered. Everything else goes to
 * `fallback`, the app's listener: other methods, a body, a target or Host that @hono/node-server would
 * rewrite, TLS, and any URL the app has not answered with a prepared representation under the current
 * render key. The guards the app runs depend on the method and the URL alone when the table is filled
 * (see `createApp`), and this URL passed them when the app answered it.
 * @param [options.hostname] - the host the app assumes when a request names none, as @hono/node-server's
 * @example
 * createServer(answeringPolls(polls, getRequestListener(app.fetch), { hostname: '127.0.0.1' }));
 */
export function answeringPolls(
  polls: PreparedPolls,
  fallback: RequestListener,
  options?: { hostname?: string | undefined },
): RequestListener {
  const defaultHost = options?.hostname;
  return function answerPoll(request: IncomingMessage, response: ServerResponse) {
    const { method, url, headers } = request;
    const host = headers.host || defaultHost;
    if (
      (method !== 'GET' && method !== 'HEAD') ||
      url === undefined ||
      host === undefined ||
      // A GET with a body is the app's to refuse or drain.
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      'encrypted' in request.socket ||
      !PLAIN_TARGET.test(url) ||
      !PLAIN_HOST.test(host)
    ) {
      return fallback(request, response);
    }
    const answer = polls.answer(`http://${host}${url}`, headers.accept, {
      acceptEncoding: headers['accept-encoding'],
      ifNoneMatch: headers['if-none-match'],
      ifModifiedSince: headers['if-modified-since'],
    });
    if (!answer) return fallback(request, response);
    response.writeHead(answer.status, answer.flatHeaders as string[]);
    // RFC 9110 §9.3.2: HEAD is the GET's headers, Content-Length included, without the body.
    response.end(method === 'HEAD' || answer.bytes === null ? undefined : answer.bytes);
  };
}
