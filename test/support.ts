/**
 * What many tests share besides their data: the seed post (a copy of the shipped example under
 * test/fixtures/seed/, so no test depends on what data/ holds), requests to an app in process, and one
 * HTTP client that shows an answer exactly as it was sent.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { PublishedPosts, siteScope, type FeedModel } from '../src/feeds/model.ts';
import { buildFeedModel } from './with-safe-content.ts';
import type { createApp } from '../src/http/app.ts';
import { loadDataDir } from '../src/node/data-folder.ts';
import type { Dataset } from '../src/posts/index.ts';
import { formatProblem } from '../src/posts/problems.ts';
import { ROOT } from './fixtures.ts';

// ——— The seed post ———

/** A copy of the shipped example data: site.json, the one post and its two images. */
export const SEED_DIR = path.join(ROOT, 'test', 'fixtures', 'seed');
export const SEED_SLUG = 'national-engineering-research-center';
export const SEED_ID = 'tag:wegogroup.com,2022-01-17:national-engineering-research-center';
export const SEED_TITLE =
  "WEGO's National Engineering Research Center becomes the first in its industry led by an enterprise";
/** How the pages show the seed post's date. */
export const SEED_DATE = '17 January 2022';
export const SEED_SITE_TITLE = 'WEGO Group News';
/** The seed post's image, the RSS enclosure: its bytes on disk. */
export const SEED_IMAGE = path.join(SEED_DIR, 'media', 'cxdfhd-1.png');
/** The second figure in the seed post's content. */
export const SEED_FIGURE = path.join(SEED_DIR, 'media', 'cxdfhd-2.png');

/** The base URL and the clock the renderer tests and the golden files use. */
export const BASE = 'https://news.example.com';
/** Long after every fixture date: everything not scheduled far ahead is published. */
export const NOW = new Date('2030-01-01T00:00:00Z');
/** The seed post's page: a folder's index, with its final slash. */
export const SEED_URL = `${BASE}/posts/${SEED_SLUG}/`;

/** The seed data, validated; throws with the problem list when it is not valid. */
export async function seedDataset(): Promise<Dataset> {
  const result = await loadDataDir(SEED_DIR);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.dataset;
}

/** The main feed's model of a dataset at NOW. */
export const modelOf = (data: Dataset, baseUrl = BASE): FeedModel =>
  buildFeedModel(data.site, siteScope(data.site, new PublishedPosts(data).at(NOW)), { baseUrl });

// ——— Requests to an app in process ———

type App = ReturnType<typeof createApp>;

/** A request to the app, the path resolved against http://localhost as a server would see it. */
export const get = (app: App, url: string, init?: RequestInit): Promise<Response> =>
  Promise.resolve(app.request(new URL(url, 'http://localhost').href, init));

export const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());

// ——— Answers exactly as sent ———

export interface RawResponse {
  status: number;
  /** The status line's reason phrase, as sent. */
  statusMessage: string;
  /** Header names lower-cased, repeated headers joined by Node's rules (`set-cookie` a list). */
  headers: IncomingHttpHeaders;
  /** Every header line as sent, in order, repeats included: `[name, value]` with the name as written. */
  rawHeaders: [string, string][];
  body: Buffer;
}

/**
 * One request on its own connection, its answer exactly as received: fetch adds an Accept-Encoding and
 * decodes gzip itself, and merges repeated headers, which would hide the very bugs these tests are for.
 */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Fails with the URL named when the whole answer has not arrived by then (ms). */
    timeoutMs?: number;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            req.destroy();
            reject(new Error(`no whole answer from ${options.method ?? 'GET'} ${url} within ${options.timeoutMs} ms`));
          }, options.timeoutMs);
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        const rawHeaders: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          rawHeaders.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
        }
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders,
          body: Buffer.concat(chunks),
        });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(options.body);
  });
}

/** A header of a raw answer as one string (repeats joined with `, `), or undefined when absent. */
export function headerOf(res: RawResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export interface SentBytesResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A request that node:http would refuse to send (a bad method, a header it forbids), as bytes on a socket
 * of its own; the answer read until the server closes the connection.
 */
export function sendBytes(url: string, request: string): Promise<SentBytesResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(request.slice(0, 200))}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split === -1 ? text.length : split).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      if (!status) return reject(new Error(`not an HTTP response (the connection was dropped?): ${JSON.stringify(text.slice(0, 200))}`));
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
    // No half-close: Node drops a request whose client has already sent FIN before the answer is ready.
    socket.write(request);
  });
}
