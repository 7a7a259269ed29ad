/** `npm run new`: the post it starts is valid, a draft, checked by its editor schema, and never replaces a file. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { POST_SCHEMA_FILE } from '../../scripts/json-schemas.ts';
import { POST_SCHEMA, UsageError, dateTimeWithOffset, newPost, slugFromTitle } from '../../scripts/new-post.ts';
import { loadDataDir } from '../../src/node/data-folder.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { makeDataDir, postRecord, removeDir, run } from '../fixtures.ts';

const NOW = new Date('2024-03-01T08:30:00Z');
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});
async function dataDir(posts: Record<string, Record<string, unknown> | string> = {}): Promise<string> {
  const dir = await makeDataDir({ posts });
  dirs.push(dir);
  return dir;
}
const readRecord = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('newPost', () => {
  it('writes a valid draft named after the title, dated now, with a $schema line that finds the schema', async () => {
    const dir = await dataDir();
    const file = await newPost({ dataDir: dir, title: 'Board meeting: 2024 results', now: NOW });
    expect(file).toBe(path.join(dir, 'posts', 'board-meeting-2024-results.json'));
    const record = readRecord(file);
    expect(record).toMatchObject({ title: 'Board meeting: 2024 results', draft: true, format: 'markdown' });
    expect(record.published).toBe(dateTimeWithOffset(NOW));
    expect(new Date(String(record.published)).getTime()).toBe(NOW.getTime());
    expect(path.resolve(path.dirname(file), String(record.$schema))).toBe(POST_SCHEMA_FILE);

    const result = await loadDataDir(dir);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.ok && result.dataset.posts.map((p) => [p.slug, p.draft])).toEqual([['board-meeting-2024-results', true]]);

    const ajv = new Ajv({ allErrors: true });
    addFormats(ajv);
    expect(ajv.validate(JSON.parse(readFileSync(POST_SCHEMA_FILE, 'utf8')) as object, record), ajv.errorsText()).toBe(true);
  });

  it('never replaces a file: a slug in use, as a file name or a slug field, gets -2, -3', async () => {
    const dir = await dataDir({ 'annual-report': postRecord(), 'other-name': postRecord({ slug: 'annual-report-2' }) });
    const before = readFileSync(path.join(dir, 'posts', 'annual-report.json'), 'utf8');
    const file = await newPost({ dataDir: dir, title: 'Annual report', now: NOW });
    expect(path.basename(file)).toBe('annual-report-3.json');
    expect(readFileSync(path.join(dir, 'posts', 'annual-report.json'), 'utf8')).toBe(before);
    expect(path.basename(await newPost({ dataDir: dir, title: 'Annual report', now: NOW }))).toBe('annual-report-4.json');
    const result = await loadDataDir(dir);
    expect(result.problems.map(formatProblem)).toEqual([]);
  });

  it('creates the posts folder of a data folder that has none, and refuses an empty title', async () => {
    const dir = await dataDir();
    const nested = path.join(dir, 'elsewhere');
    expect(existsSync(await newPost({ dataDir: nested, title: 'First', now: NOW }))).toBe(true);
    await expect(newPost({ dataDir: dir, title: '  ' })).rejects.toThrow(UsageError);
  });
});

describe('slugFromTitle', () => {
  it('keeps the slug rule: lowercase a-z, digits and single hyphens', () => {
    expect(slugFromTitle('  WEGO’s New Plant — Opening!  ')).toBe('wego-s-new-plant-opening');
    expect(slugFromTitle('Café in Straße, Łódź & Ærø')).toBe('cafe-in-strasse-lodz-aero');
    expect(slugFromTitle('Ｎｅｗｓ 2024')).toBe('news-2024');
  });

  it('gives a title without Latin letters or digits a dated slug', () => {
    expect(slugFromTitle('医疗器械', NOW)).toBe(`post-${dateTimeWithOffset(NOW).slice(0, 10)}`);
  });

  it('cuts a long title at a hyphen, leaving room for -2', () => {
    const slug = slugFromTitle('word '.repeat(100));
    expect(slug.length).toBeLessThanOrEqual(196);
    expect(slug).toMatch(/^word(?:-word)+$/);
  });
});

describe('dateTimeWithOffset', () => {
  it('is the same instant in local time, with seconds and an offset', () => {
    const text = dateTimeWithOffset(NOW);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect(new Date(text).getTime()).toBe(NOW.getTime());
  });
});

describe('npm run new', () => {
  it('writes into DATA_DIR and prints the path', async () => {
    const dir = await dataDir();
    const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/new-post.ts', 'Plant', 'opens'], {
      env: { DATA_DIR: dir },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(path.resolve(stdout.trim())).toBe(path.join(dir, 'posts', 'plant-opens.json'));
  });

  it('starts a post npm run check, reading the same DATA_DIR, finds valid', async () => {
    const dir = await dataDir();
    expect((await run(process.execPath, ['--import', 'tsx', 'scripts/new-post.ts', 'Plant'], { env: { DATA_DIR: dir } })).code).toBe(0);
    const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/check.ts'], { env: { DATA_DIR: dir } });
    expect(stderr).toBe('');
    expect(stdout).toBe(`${dir}: 1 post, no problems.\n`);
    expect(code).toBe(0);
  });

  it('names a missing title in one line', async () => {
    const dir = await dataDir();
    const { code, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/new-post.ts'], { env: { DATA_DIR: dir } });
    expect(stderr).toBe('npm run new: give the post a title: npm run new -- "Board meeting"\n');
    expect(code).toBe(1);
  });
});

it('names the schema npm run schemas writes', () => {
  expect(POST_SCHEMA).toBe(POST_SCHEMA_FILE);
});
