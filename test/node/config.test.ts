import { describe, expect, it } from 'vitest';
import { SERVER_LIMIT_DEFAULTS, readConfig } from '../../src/node/config.ts';
import { DEFAULT_DATA_LIMITS } from '../../src/node/data-limits.ts';

const problemsOf = (env: Record<string, string | undefined>) => {
  const result = readConfig(env);
  return result.ok ? [] : result.problems;
};

describe('readConfig', () => {
  it('has a default for every setting', () => {
    expect(readConfig({})).toEqual({
      ok: true,
      config: {
        host: '127.0.0.1',
        port: 3000,
        dataDir: './data',
        siteUrl: undefined,
        watch: true,
        dataLimits: DEFAULT_DATA_LIMITS,
        rateLimit: undefined,
        preview: false,
        limits: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, sendTimeoutMs: 30_000, maxConnections: 1000 },
      },
    });
    expect(SERVER_LIMIT_DEFAULTS).toEqual((readConfig({}) as { config: { limits: unknown } }).config.limits);
  });

  it('reads every setting', () => {
    const env = {
      HOST: '0.0.0.0',
      PORT: '8080',
      DATA_DIR: '/srv/news',
      SITE_URL: 'https://news.example.com/blog',
      WATCH: '0',
      RATE_LIMIT: ' 120 / 60 ',
      HEADERS_TIMEOUT: '2.5',
      REQUEST_TIMEOUT: '20',
      KEEP_ALIVE_TIMEOUT: '3',
      SEND_TIMEOUT: '0.25',
      MAX_CONNECTIONS: '64',
      MAX_HTML_DEPTH: '64',
      ALLOW_EXTERNAL_LINKS: '1',
      PREVIEW: '1',
    };
    expect(readConfig(env)).toEqual({
      ok: true,
      config: {
        host: '0.0.0.0',
        port: 8080,
        dataDir: '/srv/news',
        siteUrl: 'https://news.example.com/blog',
        watch: false,
        dataLimits: { ...DEFAULT_DATA_LIMITS, maxHtmlDepth: 64, allowExternalLinks: true },
        rateLimit: { limit: 120, windowSeconds: 60 },
        preview: true,
        limits: { headersTimeoutMs: 2500, requestTimeoutMs: 20_000, keepAliveTimeoutMs: 3000, sendTimeoutMs: 250, maxConnections: 64 },
      },
    });
  });

  it.each(['0', '-1', 'ten', '5s', '3601'])('refuses SEND_TIMEOUT=%j with the rule', (setting) => {
    expect(problemsOf({ SEND_TIMEOUT: setting })).toEqual([
      `SEND_TIMEOUT: expected a number of seconds from 0.001 to 3600, such as 30, got ${JSON.stringify(setting)}`,
    ]);
  });

  it('refuses headers allowed longer than the whole request, as Node would', () => {
    expect(problemsOf({ HEADERS_TIMEOUT: '40' })).toEqual(['HEADERS_TIMEOUT: expected at most REQUEST_TIMEOUT (30 s), got 40 s']);
  });

  it.each(['0', 'many', '1.5'])('refuses MAX_CONNECTIONS=%j', (setting) => {
    expect(problemsOf({ MAX_CONNECTIONS: setting })).toEqual([
      `MAX_CONNECTIONS: expected a whole number of at least 1, such as 1000, got ${JSON.stringify(setting)}`,
    ]);
  });

  it('takes an empty variable as unset', () => {
    expect(readConfig({ HOST: '', PORT: '', DATA_DIR: '', SITE_URL: '', RATE_LIMIT: '', PREVIEW: '', MAX_POST_BYTES: '', ALLOW_EXTERNAL_LINKS: '' })).toEqual(readConfig({}));
  });

  it('accepts port 0 (any free port) and 65535', () => {
    expect(readConfig({ PORT: '0' })).toMatchObject({ ok: true, config: { port: 0 } });
    expect(readConfig({ PORT: '65535' })).toMatchObject({ ok: true, config: { port: 65535 } });
  });

  it('watches unless WATCH is 0', () => {
    expect(readConfig({ WATCH: '1' })).toMatchObject({ config: { watch: true } });
    expect(readConfig({ WATCH: 'no' })).toMatchObject({ config: { watch: true } });
    expect(readConfig({ WATCH: '0' })).toMatchObject({ config: { watch: false } });
  });

  it.each(['0', 'off', ' off '])('takes RATE_LIMIT=%j as no limit', (setting) => {
    expect(readConfig({ RATE_LIMIT: setting })).toMatchObject({ ok: true, config: { rateLimit: undefined } });
  });

  it.each(['abc', '-1', '70000', '80.5', '3000 ', '0x50'])('refuses PORT=%j', (port) => {
    expect(problemsOf({ PORT: port })).toEqual([`PORT: expected a port number from 0 to 65535, got ${JSON.stringify(port)}`]);
  });

  it.each(['news.example.com', 'ftp://news.example.com', '/blog', 'https://'])('refuses SITE_URL=%j', (siteUrl) => {
    expect(problemsOf({ SITE_URL: siteUrl })).toEqual([
      `SITE_URL: expected an absolute http(s) URL such as https://news.example.com, got ${JSON.stringify(siteUrl)}`,
    ]);
  });

  it.each(['120', '120/0', '0/60', '1.5/60', 'fast', '120/60/1'])('refuses RATE_LIMIT=%j', (setting) => {
    expect(problemsOf({ RATE_LIMIT: setting })).toEqual([
      `RATE_LIMIT: expected requests/seconds such as 120/60, or 0 for none, got ${JSON.stringify(setting)}`,
    ]);
  });

  it('reports every bad setting at once, in the order of the README', () => {
    expect(problemsOf({ RATE_LIMIT: 'x', MAX_HTML_ELEMENTS: 'many', SITE_URL: 'news', PORT: 'abc' })).toEqual([
      'PORT: expected a port number from 0 to 65535, got "abc"',
      'SITE_URL: expected an absolute http(s) URL such as https://news.example.com, got "news"',
      'MAX_HTML_ELEMENTS: expected a whole number from 1 to 10000000, got "many"',
      'RATE_LIMIT: expected requests/seconds such as 120/60, or 0 for none, got "x"',
    ]);
  });

  it.each(['yes', 'true', '2', ' 1'])('refuses PREVIEW=%j: only 1 shows drafts, only 0 or nothing hides them', (setting) => {
    expect(problemsOf({ PREVIEW: setting })).toEqual([
      `PREVIEW: expected 1 (drafts and scheduled posts on the pages) or 0, got ${JSON.stringify(setting)}`,
    ]);
  });

  it('previews only when asked: npm start sets nothing', () => {
    expect(readConfig({ PREVIEW: '0' })).toMatchObject({ ok: true, config: { preview: false } });
    expect(readConfig({ PREVIEW: '1' })).toMatchObject({ ok: true, config: { preview: true } });
  });
});
