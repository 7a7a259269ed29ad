import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataVersion, fileDigest } from '../../src/posts/data-version.ts';

const FILES: [string, string | Uint8Array][] = [
  ['site.json', '{"title":"Café"}\n'],
  ['media/a.png', new Uint8Array([0, 1, 2, 255])],
  ['posts/a.json', '{}'],
];

const versionWith = (version: DataVersion, files = FILES) => {
  for (const [name, content] of files) version.add(name, content);
  return version.digest();
};
const nodeSha256 = () => createHash('sha256');

describe('DataVersion', () => {
  it('is SHA-256 over name NUL file digest NUL per file in order of name, first 16 hex digits', async () => {
    const hash = createHash('sha256');
    for (const [name, content] of [...FILES].sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(`${name}\u0000${createHash('sha256').update(content).digest('hex')}\u0000`);
    }
    expect(await versionWith(new DataVersion())).toBe(hash.digest('hex').slice(0, 16));
  });

  it('gives the same value through Web Crypto and through node:crypto, whatever order the files come in', async () => {
    const node = await versionWith(new DataVersion(nodeSha256), [...FILES].reverse());
    expect(node).toBe(await versionWith(new DataVersion()));
  });

  it('takes a digest kept from an earlier read in place of the bytes', async () => {
    const version = new DataVersion(nodeSha256);
    for (const [name, content] of FILES) version.addDigest(name, await fileDigest(content));
    expect(await version.digest()).toBe(await versionWith(new DataVersion()));
  });

  it('hashes the same bytes however many files there are', async () => {
    const files = Array.from({ length: 2500 }, (_, i): [string, string] => [`posts/p${i}.json`, `{"n":${i}}`]);
    const hash = createHash('sha256');
    for (const [name, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(`${name}\u0000${createHash('sha256').update(content).digest('hex')}\u0000`);
    }
    expect(await versionWith(new DataVersion(nodeSha256), files)).toBe(hash.digest('hex').slice(0, 16));
  });

  it('can be asked twice', async () => {
    const version = new DataVersion(nodeSha256);
    const first = await versionWith(version);
    expect(await version.digest()).toBe(first);
  });

  it('tells apart inputs that only differ in where one file ends, or in a name', async () => {
    const a = new DataVersion();
    a.add('x', 'ab');
    a.add('y', 'c');
    const b = new DataVersion();
    b.add('x', 'a');
    b.add('y', 'bc');
    const c = new DataVersion();
    c.add('x', 'ab');
    c.add('z', 'c');
    expect(new Set([await a.digest(), await b.digest(), await c.digest()]).size).toBe(3);
  });
});
