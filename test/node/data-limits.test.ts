import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_LIMITS, readDataLimits } from '../../src/node/data-limits.ts';

describe('readDataLimits', () => {
  it('gives the defaults when nothing is set', () => {
    expect(readDataLimits({})).toEqual({ limits: DEFAULT_DATA_LIMITS, problems: [] });
    expect(DEFAULT_DATA_LIMITS).toEqual({ maxPostBytes: 1_048_576, maxHtmlDepth: 256, maxHtmlElements: 20_000, allowExternalLinks: false });
  });

  it('reads each setting', () => {
    const read = readDataLimits({ MAX_POST_BYTES: '2000000', MAX_HTML_DEPTH: '64', MAX_HTML_ELEMENTS: ' 500 ', ALLOW_EXTERNAL_LINKS: '1' });
    expect(read).toEqual({ limits: { maxPostBytes: 2_000_000, maxHtmlDepth: 64, maxHtmlElements: 500, allowExternalLinks: true }, problems: [] });
  });

  it('names every bad setting in one line each', () => {
    expect(readDataLimits({ MAX_POST_BYTES: '1MB', MAX_HTML_DEPTH: '0', ALLOW_EXTERNAL_LINKS: 'yes' }).problems).toEqual([
      'MAX_POST_BYTES: expected a whole number from 1 to 1073741824, got "1MB"',
      'MAX_HTML_DEPTH: expected a whole number from 1 to 100000, got "0"',
      'ALLOW_EXTERNAL_LINKS: expected 1 (follow links out of the data folder) or 0, got "yes"',
    ]);
  });
});
