/**
 * nginx as a baseline for `npm run bench`: the static export of the same data, served as files by a
 * single nginx process that is a child of the benchmark (no daemon, no master), from a temporary folder
 * that holds its configuration, pid file, temporary paths and logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const NGINX = '/usr/sbin/nginx';
/** src/node/compression.ts gzips at zlib's level 6: nginx compresses at the same level, so the bytes compare. */
export const GZIP_LEVEL = 6;

export interface NginxSite {
  /** The export folder, served as the document root. */
  root: string;
  /** A folder of its own for the configuration, pid, temporary paths and error log. */
  prefix: string;
  host: string;
  port: number;
  /** The URL path whose headers the export lists in `_headers`, e.g. `/rss.xml`. */
  feedPath: string;
  /** The feed's Content-Type, as the server sends it: `application/rss+xml; charset=utf-8`. */
  contentType: string;
  /** The feed's other headers from `_headers`, added as a static host adds them. */
  headers: Record<string, string>;
}

/** Why nginx cannot run here, or undefined when it can. */
export async function nginxMissing(): Promise<string | undefined> {
  try {
    await access(NGINX, constants.X_OK);
    return undefined;
  } catch {
    return `${NGINX} not found (apt-get install nginx-light)`;
  }
}

/** A quoted nginx string: `$` would start a variable, and nginx has no escape for it. */
function quoted(value: string): string {
  if (value.includes('$')) throw new Error(`cannot pass ${JSON.stringify(value)} to nginx: "$" starts a variable`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The configuration: Debian's defaults where they matter (sendfile, etag), without access logging. */
export function nginxConfig(site: NginxSite): string {
  const [mimeType = 'application/octet-stream', ...parameters] = site.contentType.split(';').map((part) => part.trim());
  const charset = parameters.find((p) => /^charset=/i.test(p))?.slice('charset='.length);
  const extension = path.extname(site.feedPath).slice(1) || 'xml';
  const prefix = site.prefix;
  return `daemon off;
master_process off;
worker_processes 1;
pid ${quoted(path.join(prefix, 'nginx.pid'))};
error_log ${quoted(path.join(prefix, 'error.log'))} warn;

events {
  worker_connections 1024;
}

http {
  # The server under test logs no requests either.
  access_log off;
  client_body_temp_path ${quoted(path.join(prefix, 'client_body'))};
  proxy_temp_path ${quoted(path.join(prefix, 'proxy'))};
  fastcgi_temp_path ${quoted(path.join(prefix, 'fastcgi'))};
  uwsgi_temp_path ${quoted(path.join(prefix, 'uwsgi'))};
  scgi_temp_path ${quoted(path.join(prefix, 'scgi'))};
  sendfile on;
  tcp_nopush on;
  # nginx closes a keep-alive connection after 1000 requests by default; Node's server never does.
  keepalive_requests 10000000;
  etag on;
  # The export holds identity bytes only (no .gz beside the files): gzip per request, at the server's level.
  gzip on;
  gzip_comp_level ${GZIP_LEVEL};
  gzip_vary on;
  gzip_types ${mimeType};

  server {
    listen ${site.host}:${site.port};
    root ${quoted(site.root)};

    location = ${site.feedPath} {
      types { ${mimeType} ${extension}; }
${charset ? `      charset ${charset};\n      charset_types ${mimeType};\n` : ''}${Object.entries(site.headers)
    .map(([name, value]) => `      add_header ${name} ${quoted(value)};\n`)
    .join('')}    }
  }
}
`;
}

/** The headers `_headers` lists for one URL path (exact rules only), Content-Type apart. */
export function headersFor(headersFile: string, urlPath: string): { contentType: string | undefined; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  let contentType: string | undefined;
  let inRule = false;
  for (const line of headersFile.split('\n')) {
    if (!line.startsWith(' ')) {
      inRule = line.trim() === urlPath;
      continue;
    }
    if (!inRule) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'content-type') contentType = value;
    else headers[name] = value;
  }
  return { contentType, headers };
}

/** Resolves once a TCP connection to host:port succeeds; rejects after `timeoutMs` or when `child` exits. */
function listening(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`nginx exited with ${child.exitCode ?? child.signalCode}`));
      if (Date.now() > deadline) return reject(new Error(`nginx did not listen on ${host}:${port} within ${timeoutMs} ms`));
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Writes the configuration and starts nginx in the foreground; `output` is its error log. */
export async function startNginx(site: NginxSite): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  await mkdir(site.prefix, { recursive: true });
  const config = path.join(site.prefix, 'nginx.conf');
  await writeFile(config, nginxConfig(site));
  const errorLog = path.join(site.prefix, 'error.log');
  let output = '';
  // -e: errors before the configuration is read go there too, not to /var/log/nginx.
  const child = spawn(NGINX, ['-p', site.prefix, '-c', config, '-e', errorLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const log = async () => `${output}${await readFile(errorLog, 'utf8').catch(() => '')}`;
  try {
    await listening(site.host, site.port, child, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}:\n${await log()}\n${nginxConfig(site)}`);
  }
  return { url: `http://${site.host}:${site.port}`, child, output: () => output };
}
