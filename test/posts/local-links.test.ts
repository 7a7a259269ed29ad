/** Site-local links and images that point at nothing: one warning each, naming the file and the field. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKING_ATTRIBUTE, linkingAttributes, urlsInHtml } from '../../src/posts/local-links.ts';
import { loadDataset } from '../../src/posts/load.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { dataInput, postRecord, siteRecord, type FixtureData } from '../fixtures.ts';

const MEDIA = { 'x.png': 'png', 'a b.png': 'png', 'icon.png': 'png' };

async function lines(data: FixtureData): Promise<string[]> {
  const result = await loadDataset(dataInput({ media: MEDIA, ...data }));
  expect(result.ok).toBe(true); // warnings only
  return result.problems.map(formatProblem);
}

describe('links to nothing on the site', () => {
  it('warns when an image written relative to the post misses media/, and suggests the root-relative path', async () => {
    expect(await lines({ posts: { foo: postRecord({ image: { url: 'media/x.png' } }) } })).toEqual([
      'data/posts/foo.json: image.url: "media/x.png" resolves to /posts/media/x.png, which is no post (did you mean "/media/x.png"?)   [warning]',
    ]);
  });

  it('warns about images and links in the content that no media file or post answers', async () => {
    const content = '<p><img src="../media/missing.png"> <a href="/posts/no-such-post">old</a> <a href="/posts/bar">ok</a></p>';
    expect(await lines({ posts: { foo: postRecord({ content }), bar: postRecord() } })).toEqual([
      'data/posts/foo.json: content: "../media/missing.png" resolves to /media/missing.png, which is no file under media/   [warning]',
      'data/posts/foo.json: content: "/posts/no-such-post" resolves to /posts/no-such-post, which is no post   [warning]',
    ]);
  });

  it('checks Markdown posts by their rendered links', async () => {
    const content = '![plant](media/x.png) and [gone](../posts/gone)';
    expect(await lines({ posts: { foo: postRecord({ format: 'markdown', content }) } })).toEqual([
      'data/posts/foo.json: content: "media/x.png" resolves to /posts/media/x.png, which is no post (did you mean "/media/x.png"?)   [warning]',
      'data/posts/foo.json: content: "../posts/gone" resolves to /posts/gone, which is no post   [warning]',
    ]);
  });

  it('accepts what exists: media files (percent-encoded too), posts, srcset, the app\'s own routes, anchors', async () => {
    const content = [
      '<img src="../media/x.png" srcset="/media/x.png 1x,../media/a%20b.png 2x">',
      '<a href="../bar?page=2#top">bar</a> <a href="/posts/bar/">bar</a> <a href="#notes">notes</a>',
      '<a href="/">home</a> <a href="/categories/company-news">news</a> <a href="/rss.xml">feed</a>',
    ].join('');
    expect(await lines({ posts: { foo: postRecord({ content, image: { url: '/media/x.png' } }), bar: postRecord() } })).toEqual([]);
  });

  it('judges absolute URLs below the site\'s url, under its path, and leaves other sites alone', async () => {
    const site = siteRecord({ url: 'https://example.com/news' });
    const content = [
      '<a href="https://example.com/news/posts/gone">a</a>',
      '<a href="https://example.com/posts/gone">another site on the same host</a>',
      '<a href="https://other.example/posts/gone">b</a> <a href="mailto:a@example.com">c</a>',
      '<img src="data:image/png;base64,AAAA">',
    ].join('');
    expect(await lines({ site, posts: { foo: postRecord({ content }) } })).toEqual([
      'data/posts/foo.json: content: "https://example.com/news/posts/gone" resolves to /posts/gone, which is no post   [warning]',
    ]);
  });

  it('warns once per link and field, for attachments and the site\'s icon too', async () => {
    const content = '<a href="/media/gone.pdf">one</a> <a href="/media/gone.pdf">same</a>';
    const attachments = [{ url: 'https://example.com/a.pdf', mimeType: 'application/pdf' }, { url: 'x.png', mimeType: 'image/png' }];
    expect(
      await lines({ site: siteRecord({ icon: 'media/gone.png' }), posts: { foo: postRecord({ content, attachments }) } }),
    ).toEqual([
      'data/site.json: icon: "media/gone.png" resolves to /media/gone.png, which is no file under media/   [warning]',
      'data/posts/foo.json: attachments.1.url: "x.png" resolves to /posts/x.png, which is no post   [warning]',
      'data/posts/foo.json: content: "/media/gone.pdf" resolves to /media/gone.pdf, which is no file under media/   [warning]',
    ]);
  });

  it('says nothing while the data has errors: a post that failed is no proof of a broken link', async () => {
    const result = await loadDataset(
      dataInput({ posts: { foo: postRecord({ content: '<a href="/posts/bar">bar</a>' }), bar: postRecord({ title: '' }) } }),
    );
    expect(result.problems.map(formatProblem)).toEqual(['data/posts/bar.json: title: expected a non-empty string, got ""']);
  });
});

describe('urlsInHtml', () => {
  it('finds href, src, poster and every srcset candidate, entities decoded, quoted or not', () => {
    expect(
      urlsInHtml(
        `<a HREF='/a?x=1&amp;y=2'>a</a><video poster=/p.png src="/v.mp4"></video>` +
          '<img srcset="/w_400,h_300/a.jpg 400w, /b.jpg 800w" alt="src=/no">',
      ),
    ).toEqual(['/a?x=1&y=2', '/p.png', '/v.mp4', '/w_400,h_300/a.jpg', '/b.jpg']);
  });

  it('ignores tags written as text', () => {
    expect(urlsInHtml('<p>&lt;a href="/x"&gt;</p><pre><code>&lt;img src="/y"&gt;</code></pre>')).toEqual([]);
  });
});

describe('linkingAttributes', () => {
  /** What the pattern finds, in the scanner's terms. */
  const byPattern = (html: string) =>
    [...html.matchAll(LINKING_ATTRIBUTE)].map((m) => ({ index: m.index, name: (m[1] ?? '').toLowerCase(), value: m[2] ?? m[3] ?? m[4] ?? '' }));

  it('finds exactly what the pattern finds', () => {
    // Pieces that make and break matches: names in any case, every kind of space, quotes, `=` in values.
    const piece = fc.constantFrom(
      ' ', '\t', '\n', '\u00a0', '\u2003', '\ufeff', '=', '"', "'", '`', '<', '>', '/', 'a', 'x',
      'href', 'HREF', 'Src', 'src', 'srcset', 'SrcSet', 'poster', 'set', 'hre', 'ſrc', 'K', '<img', '<a',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const html = pieces.join('');
        expect(linkingAttributes(html)).toEqual(byPattern(html));
      }),
      { numRuns: 3000 },
    );
  });

  it('skips a match inside the value of the one before, as the pattern resumes after it', () => {
    const html = '<a href="x src=/y" src=/z>';
    expect(linkingAttributes(html)).toEqual(byPattern(html));
    expect(linkingAttributes(html).map((a) => a.value)).toEqual(['x src=/y', '/z']);
  });
});
