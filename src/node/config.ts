import { isHttpUrl } from '../posts/http-url.ts';
import { readDataLimits, type DataLimits } from './data-limits.ts';

/** The Node server's settings, from the environment (README.md#configuration). */
export interface NodeConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Overrides site.json's `url`; absent, links follow site.json or the request's origin. */
  siteUrl: string | undefined;
  /** Reload when the data folder changes; SIGHUP reloads either way. */
  watch: boolean;
  /** What the data folder may hold: file size, HTML depth and elements, links out of the folder. */
  dataLimits: DataLimits;
  /** Requests per client address per window; absent, no limit. */
  rateLimit: { limit: number; windowSeconds: number } | undefined;
  /** `npm run dev`: links from the request's origin, drafts and scheduled posts on the pages. */
  preview: boolean;
  /** How long the server waits on clients, and how many it serves at once: see `ServerLimits`. */
  limits: ServerLimits;
}

/** What a slow or greedy client may cost the Node server. Times in milliseconds. */
export interface ServerLimits {
  /** Until the request's headers have all arrived; else 408 and the connection closes. */
  headersTimeoutMs: number;
  /** Until the whole request has arrived (Node's `requestTimeout`); else 408. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** How long a connection may make no progress (a client that stops reading the answer); then it is closed. */
  sendTimeoutMs: number;
  /** Connections open at once; one more is answered 503 and closed. */
  maxConnections: number;
}

/** The defaults of `ServerLimits`, as README.md#configuration gives them (in seconds there). */
export const SERVER_LIMIT_DEFAULTS: Readonly<ServerLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  sendTimeoutMs: 30_000,
  maxConnections: 1000,
};

export type ConfigResult = { ok: true; config: NodeConfig } | { ok: false; problems: string[] };

/**
 * Reads the settings from environment variables. Pure, so every message is tested without a process.
 * Every bad setting is reported, one line each, in the order of the README's table.
 */
export function readConfig(env: Record<string, string | undefined>): ConfigResult {
  const problems: string[] = [];

  const portSetting = env.PORT || '3000';
  const port = Number(portSetting);
  if (!/^\d+$/.test(portSetting) || port > 65535) {
    problems.push(`PORT: expected a port number from 0 to 65535, got ${JSON.stringify(portSetting)}`);
  }

  const siteUrl = env.SITE_URL || undefined;
  // Every link in every feed is built on it: a typo here would publish broken links, so refuse to start.
  if (siteUrl !== undefined && !isHttpUrl(siteUrl)) {
    problems.push(`SITE_URL: expected an absolute http(s) URL such as https://news.example.com, got ${JSON.stringify(siteUrl)}`);
  }

  const data = readDataLimits(env);
  problems.push(...data.problems);

  const rateLimit = rateLimitFrom(env.RATE_LIMIT);
  if (typeof rateLimit === 'string') problems.push(rateLimit);

  // Only the dev script sets it; a typo must not leave drafts on a public server, nor hide them locally.
  const previewSetting = env.PREVIEW || '0';
  if (previewSetting !== '0' && previewSetting !== '1') {
    problems.push(`PREVIEW: expected 1 (drafts and scheduled posts on the pages) or 0, got ${JSON.stringify(previewSetting)}`);
  }
  const seconds = (name: string, fallbackMs: number): number => {
    const setting = env[name];
    if (setting === undefined || setting.trim() === '') return fallbackMs;
    const value = Number(setting);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(setting) || value <= 0 || value > 3600) {
      problems.push(`${name}: expected a number of seconds from 0.001 to 3600, such as ${fallbackMs / 1000}, got ${JSON.stringify(setting)}`);
      return fallbackMs;
    }
    return Math.max(1, Math.round(value * 1000));
  };
  const limits: ServerLimits = {
    headersTimeoutMs: seconds('HEADERS_TIMEOUT', SERVER_LIMIT_DEFAULTS.headersTimeoutMs),
    requestTimeoutMs: seconds('REQUEST_TIMEOUT', SERVER_LIMIT_DEFAULTS.requestTimeoutMs),
    keepAliveTimeoutMs: seconds('KEEP_ALIVE_TIMEOUT', SERVER_LIMIT_DEFAULTS.keepAliveTimeoutMs),
    sendTimeoutMs: seconds('SEND_TIMEOUT', SERVER_LIMIT_DEFAULTS.sendTimeoutMs),
    maxConnections: SERVER_LIMIT_DEFAULTS.maxConnections,
  };
  // Node refuses to start a server whose headers may take longer than the whole request.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    problems.push(`HEADERS_TIMEOUT: expected at most REQUEST_TIMEOUT (${limits.requestTimeoutMs / 1000} s), got ${limits.headersTimeoutMs / 1000} s`);
  }
  const maxConnections = env.MAX_CONNECTIONS?.trim();
  if (maxConnections) {
    const value = Number(maxConnections);
    if (!/^\d+$/.test(maxConnections) || value < 1) {
      problems.push(`MAX_CONNECTIONS: expected a whole number of at least 1, such as 1000, got ${JSON.stringify(env.MAX_CONNECTIONS)}`);
    } else limits.maxConnections = value;
  }

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    config: {
      host: env.HOST || '127.0.0.1',
      port,
      dataDir: env.DATA_DIR || './data',
      siteUrl,
      watch: env.WATCH !== '0',
      dataLimits: data.limits,
      rateLimit: typeof rateLimit === 'string' ? undefined : rateLimit,
      preview: previewSetting === '1',
      limits,
    },
  };
}

/** `RATE_LIMIT=120/60`: 120 requests per 60 seconds. Unset, empty, `0` or `off`: none. A string is the problem. */
function rateLimitFrom(setting: string | undefined): NodeConfig['rateLimit'] | string {
  if (setting === undefined || ['', '0', 'off'].includes(setting.trim())) return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(setting);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || limit < 1 || windowSeconds < 1) {
    return `RATE_LIMIT: expected requests/seconds such as 120/60, or 0 for none, got ${JSON.stringify(setting)}`;
  }
  return { limit, windowSeconds };
}
