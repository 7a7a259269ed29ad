import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { SECURITY_HEADERS } from '../http/respond.ts';

/** A whole HTTP/1.1 response for a socket that never became a request: plain text, security headers. */
export function rawResponse(status: number, message: string, headers: Record<string, string> = {}): string {
  const body = `${message}\n`;
  const lines = Object.entries({
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${body}`;
}

/** What Node's HTTP parser rejects, in a publisher's words; everything else is a plain 400. */
export const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are larger than 16 KB.'],
  HPE_INVALID_METHOD: [405, 'That is not a method this server implements; it answers GET, HEAD and OPTIONS.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive.'],
};

/**
 * Node's own answer to a request it cannot parse is a bare status line, and CONNECT gets no answer at
 * all: give both a reason and our headers.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', function clientError(error: NodeJS.ErrnoException, socket: Duplex) {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // llhttp calls anything it cannot read as a method an invalid method, TLS handshakes included.
    const looksLikeMethod = /^[A-Z][A-Z-]*\s/.test((error as { rawPacket?: Buffer }).rawPacket?.toString('latin1') ?? '');
    const known = error.code === 'HPE_INVALID_METHOD' && !looksLikeMethod ? undefined : CLIENT_ERRORS[error.code ?? ''];
    const [status, message] = known ?? [400, 'The request is not valid HTTP/1.1.'];
    socket.end(rawResponse(status, message, status === 405 ? { Allow: 'GET, HEAD, OPTIONS' } : {}));
  });
  // Without a listener Node drops CONNECT requests without a word; we are not a proxy, so say so.
  server.on('connect', function connect(_request, socket: Duplex) {
    socket.end(rawResponse(405, 'CONNECT is not allowed here; use GET or HEAD.', { Allow: 'GET, HEAD, OPTIONS' }));
  });
}

/** Why the server cannot listen, as a setting to fix: a port in use is not a crash. */
export function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  const reasons: Record<string, string> = {
    EADDRINUSE: `port ${port} on ${host} is already in use: stop the other server or set PORT`,
    EACCES: `port ${port} needs more privileges than this process has: set PORT above 1023`,
    EADDRNOTAVAIL: `${host} is not an address of this machine: set HOST`,
  };
  return `Cannot listen on ${host}:${port}: ${reasons[error.code ?? ''] ?? error.message}`;
}
