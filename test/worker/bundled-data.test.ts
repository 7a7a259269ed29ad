import { describe, expect, it } from 'vitest';
import { feedItem } from '../../src/feeds/model.ts';
import { sanitizeContent } from '../../src/feeds/sanitize.ts';
import { bundleDataset } from '../../src/posts/bundle.ts';
import { bundledData } from '../../src/worker/bundled-data.ts';
import { dataset, postRecord } from '../fixtures.ts';

describe('bundledData', () => {
  it('serves the HTML npm run build:data sanitised, and refuses a post that has none', async () => {
    const loaded = await dataset({ posts: { raw: postRecord({ content: '<p onclick="x()">Raw <a href="../media/a.pdf">a</a></p>' }) } });
    const bundle = bundleDataset(loaded, { safeContentOf: (post) => sanitizeContent(post.content) });
    const { dataset: restored, safeContent } = bundledData(bundle);
    const post = restored.posts[0]!;
    expect(safeContent(post)).toBe('<p>Raw <a href="../media/a.pdf">a</a></p>');
    expect(feedItem(post, 'https://news.example.com', safeContent).contentHtml).toBe(
      '<p>Raw <a href="https://news.example.com/media/a.pdf">a</a></p>',
    );
    expect(() => safeContent({ content: '<p>Never bundled</p>' })).toThrow(
      'a post reached a feed without the HTML npm run build:data sanitised for it; the worker bundles no sanitiser',
    );
  });
});
