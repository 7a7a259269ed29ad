/**
 * A WebSub hub for tests: a real HTTP server on 127.0.0.1 that records every request and answers as the
 * test scripts it (204 unless told otherwise).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRequest {
  method: string;
  contentType: string | undefined;
  body: string;
  /** The form fields, every value of each. */
  form: Record<string, string[]>;
}

export interface HubAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface RecordingHub {
  url: string;
  requests: HubRequest[];
  /** The `hub.url` of every request, in arrival order. */
  published: () => string[];
  /** How to answer a request; called with it and how many came before. Default: 204. */
  answer: (request: HubRequest, index: number) => HubAnswer | Promise<HubAnswer>;
  close: () => Promise<void>;
}

export async function startRecordingHub(): Promise<RecordingHub> {
  const hub: RecordingHub = {
    url: '',
    requests: [],
    published: () => hub.requests.flatMap((request) => request.form['hub.url'] ?? []),
    answer: () => ({ status: 204 }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    let body = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => (body += chunk));
    incoming.on('end', async () => {
      const form: Record<string, string[]> = {};
      for (const [name, value] of new URLSearchParams(body)) (form[name] ??= []).push(value);
      const request: HubRequest = { method: incoming.method ?? '', contentType: incoming.headers['content-type'], body, form };
      const index = hub.requests.length;
      hub.requests.push(request);
      const answer = await hub.answer(request, index);
      outgoing.writeHead(answer.status, answer.headers ?? {});
      outgoing.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  return hub;
}
