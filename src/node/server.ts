import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RequestError, getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { PreparedPolls } from '../http/poll.ts';
import { SECURITY_HEADERS, textResponse } from '../http/respond.ts';
import { answerClientErrors, rawResponse } from './client-errors.ts';
import { SERVER_LIMIT_DEFAULTS, type NodeConfig, type ServerLimits } from './config.ts';
import { answeringPolls } from './fast-path.ts';

export type NodeServerConfig = Pick<NodeConfig, 'host'> & { limits?: Partial<ServerLimits> | undefined };

/**
 * The HTTP server for an app, not yet listening: requests go to the app, and what never becomes a
 * request (unparseable bytes, CONNECT) is answered in the app's voice (`./client-errors.ts`). A client
 * costs at most the time and connections `limits` allow (README.md#configuration).
 * @param [polls] - the table the app was given: repeat polls are answered before routing (`./fast-path.ts`)
 */
export function createNodeServer(app: Pick<Hono, 'fetch'>, config: NodeServerConfig, polls?: PreparedPolls): Server {
  const limits: ServerLimits = { ...SERVER_LIMIT_DEFAULTS };
  for (const [name, value] of Object.entries(config.limits ?? {}) as [keyof ServerLimits, number | undefined][]) {
    if (value !== undefined) limits[name] = value;
  }
  const listener = getRequestListener(app.fetch, { hostname: config.host, errorHandler: requestError });
  const handle = polls?.connected ? answeringPolls(polls, listener, { hostname: config.host }) : listener;
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default): check often enough to keep them.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    function request(incoming: IncomingMessage, outgoing: ServerResponse) {
      // RFC 9112 §3.2: a request with more than one Host line must be answered 400. Node keeps the first
      // and drops the rest from `headers`; only the raw list shows them.
      if (hostLines(incoming.rawHeaders) > 1) {
        answer(outgoing, 400, 'The request has more than one Host header.');
        return;
      }
      return handle(incoming, outgoing);
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // A socket idle this long while an answer is being written (the client stopped reading, so no write
  // completes) is destroyed: Node does so when the server has no 'timeout' listener of its own.
  server.timeout = limits.sendTimeoutMs;
  answerClientErrors(server);
  capConnections(server, limits.maxConnections);
  return server;
}

const hostLines = (rawHeaders: readonly string[]) => {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === 'host') count++;
  return count;
};

function answer(outgoing: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  outgoing.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  outgoing.end(body);
}

/**
 * At most `max` connections at once. Node's own `maxConnections` closes the next one without a word;
 * this one is answered 503 with a reason and a `Retry-After` first. The http server's own connection
 * handling is taken off the event and called only for connections within the cap.
 */
function capConnections(server: Server, max: number): void {
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  let open = 0;
  server.on('connection', function connection(socket: Socket) {
    if (open >= max) {
      refuseConnection(socket, max);
      return;
    }
    open++;
    socket.once('close', () => open--);
    for (const handler of handlers) handler.call(server, socket);
  });
}

function refuseConnection(socket: Socket, max: number): void {
  socket.on('error', () => socket.destroy());
  // Read and drop the request, so the client's bytes arriving after our close do not reset the
  // connection before it has read the answer; a second at most.
  socket.resume();
  socket.setTimeout(1000, () => socket.destroy());
  socket.end(rawResponse(503, `The server has ${max} connections open, its limit; try again in a few seconds.`, { 'Retry-After': '5' }));
}

/** Requests @hono/node-server refuses before the app sees them (a backslash in the path, a bad Host). */
function requestError(error: unknown): Response {
  if (error instanceof RequestError) return textResponse(`The request could not be read: ${error.message.toLowerCase()}.`, 400);
  console.error(error);
  return textResponse('Something went wrong on our side; it has been logged.', 500);
}
