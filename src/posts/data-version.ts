/**
 * SHA-256 fed piece by piece. Node's `createHash('sha256')` fits as it is; Web Crypto has no
 * incremental digest, so the default keeps the pieces until the end.
 */
export interface Sha256 {
  update(bytes: Uint8Array): unknown;
  digest(): Uint8Array | Promise<Uint8Array>;
}

/**
 * The data version: SHA-256 over `name NUL digest NUL` for each file in order of name, where `digest` is
 * the hex SHA-256 of the file's bytes; the first 16 hex digits. Names are paths below the data folder
 * (`site.json`, `posts/a.json`, `media/a.png`), so the version does not depend on where a program runs.
 * Hashing each file's digest rather than its bytes lets a reader that re-reads only the files that
 * changed keep the others' digests and compute a new version without reading them again. One definition
 * for every reader, so a folder served by Node and the same data bundled into the worker carry the
 * same version.
 */
export class DataVersion {
  readonly #newSha256: () => Sha256;
  readonly #files = new Map<string, string | Promise<string>>();
  #digest: Promise<string> | undefined;

  constructor(newSha256: () => Sha256 = () => new WebCryptoSha256()) {
    this.#newSha256 = newSha256;
  }

  /** A file's bytes (a string is taken as UTF-8). */
  add(name: string, content: string | Uint8Array): void {
    this.#files.set(name, fileDigest(content, this.#newSha256));
  }

  /** A file by the hex SHA-256 of its bytes, as a reader that kept it from an earlier load knows it. */
  addDigest(name: string, digest: string): void {
    this.#files.set(name, digest);
  }

  /** The version of everything added so far; a hash can be finished only once, so later calls share it. */
  digest(): Promise<string> {
    this.#digest ??= this.#finish();
    return this.#digest;
  }

  async #finish(): Promise<string> {
    const encoder = new TextEncoder();
    const sha256 = this.#newSha256();
    // Code-unit order, as Array#sort gives it, so every reader lists the files alike. A thousand files'
    // lines hashed at a time: the same bytes as one by one, in a thousandth of the calls.
    let lines = '';
    let count = 0;
    for (const name of [...this.#files.keys()].sort()) {
      lines += versionLine(name, await this.#files.get(name)!);
      if (++count % 1024 === 0) {
        sha256.update(encoder.encode(lines));
        lines = '';
      }
    }
    if (lines) sha256.update(encoder.encode(lines));
    return hex(await sha256.digest()).slice(0, 16);
  }
}

/**
 * One file's line in the data version's input: its name and digest, each ended by NUL. A reader that
 * hashes the lines itself (the Node folder keeps them in blocks) writes them with this, so the
 * versions agree.
 */
export const versionLine = (name: string, digest: string): string => `${name}\u0000${digest}\u0000`;

/** The hex SHA-256 of one file's bytes: what `DataVersion.addDigest` takes. */
export function fileDigest(content: string | Uint8Array, newSha256: () => Sha256 = () => new WebCryptoSha256()): string | Promise<string> {
  const sha256 = newSha256();
  sha256.update(typeof content === 'string' ? new TextEncoder().encode(content) : content);
  const digest = sha256.digest();
  return digest instanceof Uint8Array ? hex(digest) : digest.then(hex);
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Web Crypto's one-shot digest over the pieces joined. */
class WebCryptoSha256 implements Sha256 {
  readonly #parts: Uint8Array[] = [];
  update(bytes: Uint8Array): void {
    this.#parts.push(bytes);
  }
  async digest(): Promise<Uint8Array> {
    const total = this.#parts.reduce((sum, part) => sum + part.byteLength, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of this.#parts) {
      joined.set(part, offset);
      offset += part.byteLength;
    }
    return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
  }
}
