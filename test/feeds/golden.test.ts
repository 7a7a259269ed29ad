/**
 * What a whole feed looks like: the seed post's RSS, Atom and JSON Feed as the app serves them, with a
 * fixed base URL and clock, compared byte for byte with test/golden/. A change to any renderer shows
 * here as a diff to read; when the change is meant, `npm run test:golden` writes the new files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../with-safe-content.ts';
import { ROOT } from '../fixtures.ts';
import { BASE, NOW, seedDataset } from '../support.ts';

const GOLDEN = path.join(ROOT, 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const FEEDS = [
  { name: 'RSS 2.0', path: '/rss.xml', file: 'seed.rss.xml' },
  { name: 'Atom 1.0', path: '/atom.xml', file: 'seed.atom.xml' },
  { name: 'JSON Feed 1.1', path: '/feed.json', file: 'seed.json' },
] as const;

describe(`the seed post's feeds against test/golden/${UPDATE ? ' (writing them: UPDATE_GOLDEN=1)' : ''}`, async () => {
  const app = createApp({ dataset: await seedDataset(), options: { siteUrl: BASE, now: () => NOW } });

  it.each(FEEDS)('$name ($path) is test/golden/$file, byte for byte', async ({ path: feedPath, file }) => {
    const res = await app.request(`${BASE}${feedPath}`);
    expect(res.status).toBe(200);
    const served = await res.text();
    const golden = path.join(GOLDEN, file);
    if (UPDATE) await writeFile(golden, served);
    const expected = await readFile(golden, 'utf8').catch(() => {
      throw new Error(`${golden} is missing: run npm run test:golden to write it`);
    });
    expect(served).toBe(expected);
  });
});
