/**
 * SHA-256 fed piece by piece. Node's `createHash('sha256')` fits as it is and hashes as the files
 * arrive; Web Crypto has no incremental digest, so the default keeps the pieces until the end.
 */
export interface Sha256 {
  update(bytes: Uint8Array): unknown;
  digest(): Uint8Array | Promise<Uint8Array>;
}

/**
 * The data version: SHA-256 over `name NUL length NUL bytes` for each file in order (site, assets,
 * posts), the first 16 hex digits. The lengths keep two different inputs from hashing alike. One
 * definition for every reader, so a folder read on Node and the same data bundled into the worker
 * carry the same version.
 */
export class DataVersion {
  readonly #sha256: Sha256;
  readonly #encoder = new TextEncoder();
  #digest: Promise<string> | undefined;

  constructor(sha256: Sha256 = new WebCryptoSha256()) {
    this.#sha256 = sha256;
  }

  add(name: string, content: string | Uint8Array): void {
    const bytes = typeof content === 'string' ? this.#encoder.encode(content) : content;
    this.#sha256.update(this.#encoder.encode(`${name}\u0000${bytes.byteLength}\u0000`));
    this.#sha256.update(bytes);
  }

  /** The version of everything added so far; a hash can be finished only once, so later calls share it. */
  digest(): Promise<string> {
    this.#digest ??= Promise.resolve(this.#sha256.digest()).then((digest) =>
      Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(''),
    );
    return this.#digest;
  }
}

/** Web Crypto's one-shot digest over the pieces joined: the copy costs memory, hence Node's own hash there. */
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
