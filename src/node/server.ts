import { createServer, type Server } from 'node:http';
import { RequestError, getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { PreparedPolls } from '../http/poll.ts';
import { textResponse } from '../http/respond.ts';
import { answerClientErrors } from './client-errors.ts';
import type { NodeConfig } from './config.ts';
import { answeringPolls } from './fast-path.ts';

/**
 * The HTTP server for an app, not yet listening: requests go to the app, and what never becomes a
 * request (unparseable bytes, CONNECT) is answered in the app's voice (`./client-errors.ts`).
 * @param [polls] - the table the app was given: repeat polls are answered before routing (`./fast-path.ts`)
 */
export function createNodeServer(app: Pick<Hono, 'fetch'>, config: Pick<NodeConfig, 'host'>, polls?: PreparedPolls): Server {
  const listener = getRequestListener(app.fetch, { hostname: config.host, errorHandler: requestError });
  const server = createServer(polls?.connected ? answeringPolls(polls, listener, { hostname: config.host }) : listener);
  answerClientErrors(server);
  return server;
}

/** Requests @hono/node-server refuses before the app sees them (a backslash in the path, a bad Host). */
function requestError(error: unknown): Response {
  if (error instanceof RequestError) return textResponse(`The request could not be read: ${error.message.toLowerCase()}.`, 400);
  console.error(error);
  return textResponse('Something went wrong on our side; it has been logged.', 500);
}
