import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataVersion } from '../../src/posts/data-version.ts';

const FILES: [string, string | Uint8Array][] = [
  ['data/site.json', '{"title":"Café"}\n'],
  ['media/a.png', new Uint8Array([0, 1, 2, 255])],
  ['data/posts/a.json', '{}'],
];

const versionWith = (version: DataVersion) => {
  for (const [name, content] of FILES) version.add(name, content);
  return version.digest();
};

describe('DataVersion', () => {
  it('is SHA-256 over name NUL byte length NUL bytes per file, first 16 hex digits', async () => {
    const hash = createHash('sha256');
    for (const [name, content] of FILES) {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      hash.update(`${name}\u0000${bytes.byteLength}\u0000`).update(bytes);
    }
    expect(await versionWith(new DataVersion())).toBe(hash.digest('hex').slice(0, 16));
  });

  it('gives the same value through Web Crypto and through node:crypto', async () => {
    expect(await versionWith(new DataVersion(createHash('sha256')))).toBe(await versionWith(new DataVersion()));
  });

  it('can be asked twice', async () => {
    const version = new DataVersion(createHash('sha256'));
    const first = await versionWith(version);
    expect(await version.digest()).toBe(first);
  });

  it('tells apart inputs that only differ in where one file ends', async () => {
    const a = new DataVersion();
    a.add('x', 'ab');
    a.add('y', 'c');
    const b = new DataVersion();
    b.add('x', 'a');
    b.add('y', 'bc');
    expect(await a.digest()).not.toBe(await b.digest());
  });
});
