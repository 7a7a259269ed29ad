/** `npm run check` and `npm start` as a publisher runs them: the exit status and every line printed. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, run, siteRecord } from '../fixtures.ts';
import { SEED_DIR } from '../support.ts';

const check = (dir: string) => run(process.execPath, ['--import', 'tsx', 'scripts/check.ts', dir]);
const stackLines = (text: string) => text.split('\n').filter((line) => line.startsWith('    at '));

let badDir = '';
let expectedLines: string[] = [];
beforeAll(async () => {
  badDir = await makeDataDir({
    site: siteRecord({ feedLimit: 5000 }),
    posts: {
      'board-meeting': postRecord({ published: 'yesterday', authors: [{ name: 'Anna Berg' }, { name: 42 }] }),
      'new-plant': postRecord({ titel: 'New plant', image: { url: 'http://[::1' } }),
      broken: '{ "title": "Broken",\n}\n',
      fine: postRecord(),
    },
  });
  const file = (name: string) => path.join(badDir, name);
  expectedLines = [
    `${file('site.json')}: feedLimit: expected a whole number from 1 to 1000, got 5000`,
    `${file('posts/board-meeting.json')}: published: expected an ISO 8601 date (2022-01-17) or date-time with offset (2022-01-17T09:30:00+01:00), got "yesterday"`,
    `${file('posts/board-meeting.json')}: authors.1.name: expected a non-empty string, got 42`,
    `${file('posts/broken.json')}: invalid JSON: line 2, column 1: Expected double-quoted property name`,
    `${file('posts/new-plant.json')}: titel: unknown field (did you mean \"title\"?)   [warning]`,
    `${file('posts/new-plant.json')}: image.url: expected a URL, absolute or relative to the post (no spaces), got "http://[::1"`,
    '5 errors, 1 warning in 4 posts. The format is described in README.md#data-format.',
  ];
});
afterAll(() => removeDir(badDir));

describe('npm run check', () => {
  it('passes the seed data', async () => {
    const { code, stdout, stderr } = await check(SEED_DIR);
    expect(stderr).toBe('');
    expect(stdout).toBe(`${SEED_DIR}: 1 post, no problems.\n`);
    expect(code).toBe(0);
  });

  it('prints every problem and the summary, exits 1, and shows no stack trace', async () => {
    const { code, stdout, stderr } = await check(badDir);
    expect(stderr.split('\n')).toEqual([...expectedLines, '']);
    expect(stackLines(stderr)).toEqual([]);
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('exits 0 on warnings alone, still printing them', async () => {
    const dir = await makeDataDir({ posts: { post: postRecord({ sumary: 'Short.' }) } });
    try {
      const { code, stdout, stderr } = await check(dir);
      expect(stderr.split('\n')).toEqual([
        `${path.join(dir, 'posts', 'post.json')}: sumary: unknown field (did you mean "summary"?)   [warning]`,
        '0 errors, 1 warning in 1 post. The format is described in README.md#data-format.',
        '',
      ]);
      expect(stdout).toBe('');
      expect(code).toBe(0);
    } finally {
      await removeDir(dir);
    }
  });

  it('names the missing site.json of a folder that does not exist', async () => {
    const missing = path.join(badDir, 'no-such-folder');
    const { code, stderr } = await check(missing);
    expect(stderr.split('\n')).toEqual([
      `${path.join(missing, 'site.json')}: cannot be read (it does not exist)`,
      '1 error, 0 warnings in 0 posts. The format is described in README.md#data-format.',
      '',
    ]);
    expect(code).toBe(1);
  });
});

describe('npm start on bad data', () => {
  it('exits 1 with the same list and no stack trace, before listening', async () => {
    const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
      env: { DATA_DIR: badDir, HOST: '127.0.0.1', PORT: '0' },
    });
    expect(stderr.split('\n')).toEqual([...expectedLines, '']);
    expect(stackLines(stderr)).toEqual([]);
    expect(stdout).not.toContain('Pressroom serves');
    expect(code).toBe(1);
  });
});
