/**
 * The site fields that choose how posts are shown: the time zone of the pages' dates and what feed
 * items carry. Each mistake is asserted as the exact line the publisher reads.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/posts/load.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { dataInput, dataset, siteRecord } from '../fixtures.ts';

const siteLines = async (record: Record<string, unknown>) =>
  (await loadDataset(dataInput({ site: record }))).problems.map(formatProblem);

const TIME_ZONE = 'an IANA time zone such as "Europe/Berlin" or "America/Los_Angeles"';

describe('timeZone', () => {
  it('defaults to UTC', async () => {
    expect((await dataset({ site: siteRecord() })).site.timeZone).toBe('UTC');
  });

  it.each(['America/Los_Angeles', 'Asia/Kolkata', 'UTC', 'Europe/Berlin'])('accepts %s', async (timeZone) => {
    expect(await siteLines(siteRecord({ timeZone }))).toEqual([]);
    expect((await dataset({ site: siteRecord({ timeZone }) })).site.timeZone).toBe(timeZone);
  });

  it.each(['Mars/Olympus_Mons', '', ' ', 'Pacific Time', 'America/Los Angeles'])('refuses %j', async (timeZone) => {
    expect(await siteLines(siteRecord({ timeZone }))).toEqual([
      `data/site.json: timeZone: expected ${TIME_ZONE}, got ${JSON.stringify(timeZone)}`,
    ]);
  });

  it('refuses a number', async () => {
    expect(await siteLines(siteRecord({ timeZone: -8 }))).toEqual([`data/site.json: timeZone: expected ${TIME_ZONE}, got -8`]);
  });

  it('hints at the field when its case is wrong', async () => {
    expect(await siteLines(siteRecord({ timezone: 'UTC' }))).toEqual([
      'data/site.json: timezone: unknown field (did you mean "timeZone"?)   [warning]',
    ]);
  });
});

describe('feedContent', () => {
  it('defaults to the full post', async () => {
    expect((await dataset({ site: siteRecord() })).site.feedContent).toBe('full');
  });

  it.each(['full', 'summary'])('accepts %j', async (feedContent) => {
    expect((await dataset({ site: siteRecord({ feedContent }) })).site.feedContent).toBe(feedContent);
  });

  it.each(['summaries', 'Summary', true])('refuses %j', async (feedContent) => {
    expect(await siteLines(siteRecord({ feedContent }))).toEqual([
      `data/site.json: feedContent: expected "full" or "summary", got ${JSON.stringify(feedContent)}`,
    ]);
  });
});
