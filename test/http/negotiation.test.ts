import { describe, expect, it } from 'vitest';
import { chooseEncoding } from '../../src/http/negotiation.ts';
import type { ContentCoding } from '../../src/http/representation.ts';

const BOTH: readonly ContentCoding[] = ['br', 'gzip'];

describe('chooseEncoding', () => {
  it.each([
    // [Accept-Encoding, what we send]
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'], // a tie goes to br, the smaller body
    ['gzip, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0.8, gzip;q=0.9', 'gzip'],
    ['br;q=0.001, gzip;q=0.002', 'gzip'],
    ['gzip;q=1.000, br;q=0.999', 'gzip'],
    ['GZIP', 'gzip'], // codings are case-insensitive
    ['Br;Q=1', 'br'],
    [' gzip ; q=0.7 ', 'gzip'],
    ['x-gzip', 'gzip'], // RFC 9110 §8.4.1.3
    ['x-gzip;q=0.5, br;q=0.4', 'gzip'],
    ['*', 'br'],
    ['*;q=0.5, gzip', 'gzip'], // a named coding outranks the wildcard
    ['gzip;q=0, *', 'br'], // `*` stands only for codings not named
    ['br;q=0, *;q=0.3', 'gzip'],
  ] as const)('%j gives %s', (acceptEncoding, expected) => {
    expect(chooseEncoding(acceptEncoding, BOTH)).toBe(expected);
  });

  it.each([
    ['no header', null],
    ['an empty header', ''],
    ['identity', 'identity'],
    ['a coding we do not have', 'deflate, zstd'],
    ['q=0 on all we have', 'br;q=0, gzip;q=0'],
    ['q=0.000', 'br;q=0.000, gzip;q=0.0'],
    ['*;q=0', '*;q=0'],
    ['a malformed weight, read as a refusal', 'gzip;q=high, br;q=2'],
  ] as const)('sends identity for %s', (_, acceptEncoding) => {
    expect(chooseEncoding(acceptEncoding, BOTH)).toBeUndefined();
  });

  it('chooses only among the codings it has', () => {
    expect(chooseEncoding('br', ['gzip'])).toBeUndefined();
    expect(chooseEncoding('br, gzip;q=0.1', ['gzip'])).toBe('gzip');
    expect(chooseEncoding('*', ['gzip'])).toBe('gzip');
    expect(chooseEncoding('gzip, br', [])).toBeUndefined();
  });

  it('ignores parameters other than q', () => {
    expect(chooseEncoding('gzip;level=9, br;q=0.5', BOTH)).toBe('gzip');
  });
});
