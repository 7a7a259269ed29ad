import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpDate, notModified, parseHttpDate, type Validators } from '../../src/http/conditional.ts';

const ETAG = '"3q2-7wAbC"';
const MODIFIED = new Date('2024-03-01T12:00:00Z');
const AT_MODIFIED = 'Fri, 01 Mar 2024 12:00:00 GMT';

/** The server's clock in these tests: a year after MODIFIED. */
const NOW = new Date('2025-03-01T12:00:00Z');
const check = (headers: Record<string, string>, validators: Validators = { etag: ETAG, lastModified: MODIFIED }, now = NOW) =>
  notModified(new Headers(headers), validators, () => now);

describe('httpDate', () => {
  it('writes IMF-fixdate in GMT (RFC 9110 §5.6.7)', () => {
    expect(httpDate(MODIFIED)).toBe(AT_MODIFIED);
    expect(httpDate(new Date('2022-01-17T00:00:00Z'))).toBe('Mon, 17 Jan 2022 00:00:00 GMT');
    expect(httpDate(new Date('1994-11-06T08:49:37.999Z'))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('reads back what it writes', () => {
    const date = new Date('2031-12-31T23:59:59Z');
    expect(parseHttpDate(httpDate(date))).toBe(date.getTime());
  });
});

describe('parseHttpDate', () => {
  const NOV_6_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

  it('accepts all three forms a recipient must accept, all as GMT', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(NOV_6_1994);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(NOV_6_1994);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(NOV_6_1994);
    expect(parseHttpDate('Sun Nov 16 08:49:37 1994')).toBe(Date.UTC(1994, 10, 16, 8, 49, 37));
  });

  it('reads a two-digit year more than 50 years ahead as the last century', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(parseHttpDate('Thursday, 06-Nov-30 08:49:37 GMT', now)).toBe(Date.UTC(2030, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Friday, 06-Nov-76 08:49:37 GMT', now)).toBe(Date.UTC(2076, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Saturday, 06-Nov-77 08:49:37 GMT', now)).toBe(Date.UTC(1977, 10, 6, 8, 49, 37));
  });

  it.each([
    ['empty', ''],
    ['a bare number', '99999'],
    ['ISO 8601', '2024-03-01T12:00:00Z'],
    ['a list of two dates', 'Fri, 01 Mar 2024 12:00:00 GMT, Sat, 02 Mar 2024 12:00:00 GMT'],
    ['another zone', 'Fri, 01 Mar 2024 12:00:00 CET'],
    ['an unknown month', 'Fri, 01 Foo 2024 12:00:00 GMT'],
    ['lower case', 'fri, 01 mar 2024 12:00:00 gmt'],
    ['31 February', 'Sat, 31 Feb 2024 12:00:00 GMT'],
    ['hour 24', 'Fri, 01 Mar 2024 24:00:00 GMT'],
    ['minute 60', 'Fri, 01 Mar 2024 12:60:00 GMT'],
  ])('rejects %s', (_, text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });

  describe('in a time zone other than UTC', () => {
    let zone: string | undefined;
    beforeEach(() => {
      zone = process.env.TZ;
      process.env.TZ = 'America/New_York';
    });
    afterEach(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    it('still reads asctime as GMT (Date.parse would read it as local time)', () => {
      expect(new Date(2024, 0, 1).getTimezoneOffset()).not.toBe(0); // the zone really changed
      expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(NOV_6_1994);
      expect(check({ 'If-Modified-Since': 'Fri Mar  1 12:00:00 2024' })).toBe(true);
      expect(check({ 'If-Modified-Since': 'Fri Mar  1 11:59:59 2024' })).toBe(false);
    });
  });
});

describe('notModified: If-None-Match', () => {
  it('matches the current tag', () => {
    expect(check({ 'If-None-Match': ETAG })).toBe(true);
  });

  it('does not match another tag', () => {
    expect(check({ 'If-None-Match': '"something-else"' })).toBe(false);
    expect(check({ 'If-None-Match': '"3q2-7wAbc"' })).toBe(false); // tags are case-sensitive
  });

  it('uses the weak comparison: W/ on either side still matches (RFC 9110 §13.1.2)', () => {
    expect(check({ 'If-None-Match': `W/${ETAG}` })).toBe(true);
    expect(check({ 'If-None-Match': ETAG }, { etag: `W/${ETAG}`, lastModified: MODIFIED })).toBe(true);
  });

  it('matches any member of a list, with or without spaces', () => {
    expect(check({ 'If-None-Match': `"old", ${ETAG}, "older"` })).toBe(true);
    expect(check({ 'If-None-Match': `"old",${ETAG}` })).toBe(true);
    expect(check({ 'If-None-Match': `"old",  W/${ETAG} ` })).toBe(true);
    expect(check({ 'If-None-Match': '"old", "older"' })).toBe(false);
  });

  it('reads a comma inside a tag as part of the tag', () => {
    expect(check({ 'If-None-Match': '"a,b"' }, { etag: '"a,b"' })).toBe(true);
    expect(check({ 'If-None-Match': '"a,b"' }, { etag: '"a"' })).toBe(false);
  });

  it('matches anything with *', () => {
    expect(check({ 'If-None-Match': '*' })).toBe(true);
    expect(check({ 'If-None-Match': ' * ' })).toBe(true);
  });

  it('lets a malformed member match nothing rather than everything', () => {
    expect(check({ 'If-None-Match': '3q2-7wAbC' })).toBe(false);
    expect(check({ 'If-None-Match': '' })).toBe(false);
  });

  it('decides alone when present: If-Modified-Since is then ignored (RFC 9110 §13.1.3)', () => {
    expect(check({ 'If-None-Match': '"old"', 'If-Modified-Since': AT_MODIFIED })).toBe(false);
    expect(check({ 'If-None-Match': ETAG, 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' })).toBe(true);
  });
});

describe('notModified: If-Modified-Since', () => {
  it('is 304 when nothing changed since: the same second or later', () => {
    expect(check({ 'If-Modified-Since': AT_MODIFIED })).toBe(true);
    expect(check({ 'If-Modified-Since': 'Fri, 01 Mar 2024 12:00:01 GMT' })).toBe(true);
    expect(check({ 'If-Modified-Since': 'Sat, 01 Mar 2025 00:00:00 GMT' })).toBe(true);
  });

  it('is not 304 when something changed after the date', () => {
    expect(check({ 'If-Modified-Since': 'Fri, 01 Mar 2024 11:59:59 GMT' })).toBe(false);
  });

  it('compares whole seconds, all an HTTP-date carries', () => {
    const lastModified = new Date('2024-03-01T12:00:00.750Z');
    expect(check({ 'If-Modified-Since': AT_MODIFIED }, { etag: ETAG, lastModified })).toBe(true);
  });

  it('accepts the obsolete forms too', () => {
    expect(check({ 'If-Modified-Since': 'Friday, 01-Mar-24 12:00:00 GMT' })).toBe(true);
    expect(check({ 'If-Modified-Since': 'Fri Mar  1 12:00:00 2024' })).toBe(true);
    expect(check({ 'If-Modified-Since': 'Fri Mar  1 11:59:59 2024' })).toBe(false);
  });

  it('ignores a value that is not one HTTP-date', () => {
    expect(check({ 'If-Modified-Since': 'yesterday' })).toBe(false);
    expect(check({ 'If-Modified-Since': '99999' })).toBe(false);
    expect(check({ 'If-Modified-Since': `${AT_MODIFIED}, ${AT_MODIFIED}` })).toBe(false);
  });

  it('ignores a date later than the server’s clock, which would hide every change until then', () => {
    // RFC 9110 §13.1.3 lets a server ignore an invalid date; RFC 7232 §3.3 called a future one invalid.
    expect(check({ 'If-Modified-Since': 'Sat, 01 Mar 2025 12:00:01 GMT' })).toBe(false);
    expect(check({ 'If-Modified-Since': 'Fri, 01 Jan 2100 00:00:00 GMT' })).toBe(false);
    // Up to the clock's own second, it counts.
    expect(check({ 'If-Modified-Since': 'Sat, 01 Mar 2025 12:00:00 GMT' })).toBe(true);
    expect(check({ 'If-Modified-Since': 'Sat, 01 Mar 2025 12:00:01 GMT' }, undefined, new Date('2025-03-01T12:00:01.500Z'))).toBe(true);
  });

  it('asks the clock only when there is an If-Modified-Since to check', () => {
    let asked = 0;
    const clock = () => {
      asked++;
      return NOW;
    };
    const validators = { etag: ETAG, lastModified: MODIFIED };
    expect(notModified(new Headers({}), validators, clock)).toBe(false);
    expect(notModified(new Headers({ 'If-None-Match': ETAG, 'If-Modified-Since': AT_MODIFIED }), validators, clock)).toBe(true);
    expect(asked).toBe(0);
    expect(notModified(new Headers({ 'If-Modified-Since': AT_MODIFIED }), validators, clock)).toBe(true);
    expect(asked).toBe(1);
  });

  it('is never 304 without a Last-Modified to compare with', () => {
    expect(check({ 'If-Modified-Since': AT_MODIFIED }, { etag: ETAG })).toBe(false);
  });

  it('is not 304 with no conditional header at all', () => {
    expect(check({})).toBe(false);
  });
});
