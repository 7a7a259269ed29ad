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
  limits: DataLimits;
  /** Requests per client address per window; absent, no limit. */
  rateLimit: { limit: number; windowSeconds: number } | undefined;
  /** `npm run dev`: links from the request's origin, drafts and scheduled posts on the pages. */
  preview: boolean;
}

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

  const limits = readDataLimits(env);
  problems.push(...limits.problems);

  const rateLimit = rateLimitFrom(env.RATE_LIMIT);
  if (typeof rateLimit === 'string') problems.push(rateLimit);

  // Only the dev script sets it; a typo must not leave drafts on a public server, nor hide them locally.
  const previewSetting = env.PREVIEW || '0';
  if (previewSetting !== '0' && previewSetting !== '1') {
    problems.push(`PREVIEW: expected 1 (drafts and scheduled posts on the pages) or 0, got ${JSON.stringify(previewSetting)}`);
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
      limits: limits.limits,
      rateLimit: typeof rateLimit === 'string' ? undefined : rateLimit,
      preview: previewSetting === '1',
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
