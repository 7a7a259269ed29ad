import { describe, expect, it } from 'vitest';
import { absoluteUrl, absoluteUrlsInHtml } from '../../src/feeds/absolute-urls.ts';

const POST = 'https://news.example.com/posts/board-meeting';
const UNDER_PATH = 'https://example.com/news/posts/board-meeting';

describe('absoluteUrl', () => {
  it('resolves relative references against the base, and keeps absolute ones', () => {
    expect(absoluteUrl('../media/a.png', POST)).toBe('https://news.example.com/media/a.png');
    expect(absoluteUrl('/media/a.png', UNDER_PATH)).toBe('https://example.com/media/a.png');
    expect(absoluteUrl('../media/a.png', UNDER_PATH)).toBe('https://example.com/news/media/a.png');
    expect(absoluteUrl('other', UNDER_PATH)).toBe('https://example.com/news/posts/other');
    expect(absoluteUrl('//cdn.example.com/x.js', POST)).toBe('https://cdn.example.com/x.js');
    expect(absoluteUrl('  ?page=2 ', POST)).toBe(`${POST}?page=2`);
    expect(absoluteUrl('mailto:press@example.com', POST)).toBe('mailto:press@example.com');
    expect(absoluteUrl('https://cdn.example.com/a b.png', POST)).toBe('https://cdn.example.com/a%20b.png');
  });

  it('leaves what it cannot parse as the publisher wrote it', () => {
    expect(absoluteUrl('http://[broken', POST)).toBe('http://[broken');
  });
});

describe('absoluteUrlsInHtml', () => {
  it('resolves href, src and poster against the post URL', () => {
    expect(
      absoluteUrlsInHtml(
        '<p><a href="../about">About</a> <img src="../media/a.png" alt="A"><video poster="p.jpg" src="/v.mp4"></video></p>',
        POST,
      ),
    ).toBe(
      '<p><a href="https://news.example.com/about">About</a> <img src="https://news.example.com/media/a.png" alt="A">' +
        '<video poster="https://news.example.com/posts/p.jpg" src="https://news.example.com/v.mp4"></video></p>',
    );
  });

  it('resolves each srcset candidate and keeps its descriptor', () => {
    expect(absoluteUrlsInHtml('<img srcset="a.png 1x, ../media/b.png 2x,/c.png 3x">', POST)).toBe(
      '<img srcset="https://news.example.com/posts/a.png 1x, https://news.example.com/media/b.png 2x, https://news.example.com/c.png 3x">',
    );
    expect(absoluteUrlsInHtml('<source srcset="s.webp 480w,  m.webp   800w" sizes="50vw">', UNDER_PATH)).toBe(
      '<source srcset="https://example.com/news/posts/s.webp 480w, https://example.com/news/posts/m.webp 800w" sizes="50vw">',
    );
    expect(absoluteUrlsInHtml('<img srcset="only.png">', POST)).toBe('<img srcset="https://news.example.com/posts/only.png">');
  });

  it('keeps a comma inside a srcset URL, as HTML does (a URL runs to the next space)', () => {
    expect(
      absoluteUrlsInHtml(
        '<img srcset="https://res.cloudinary.com/demo/image/upload/w_400,h_300/a.jpg 400w, ../media/b.png 2x">',
        POST,
      ),
    ).toBe(
      '<img srcset="https://res.cloudinary.com/demo/image/upload/w_400,h_300/a.jpg 400w, https://news.example.com/media/b.png 2x">',
    );
    expect(absoluteUrlsInHtml('<img srcset="a.png, b.png 2x">', POST)).toBe(
      '<img srcset="https://news.example.com/posts/a.png, https://news.example.com/posts/b.png 2x">',
    );
  });

  it('keeps in-page anchors in the page', () => {
    expect(absoluteUrlsInHtml('<a href="#notes">Notes</a> <a href="b#notes">b</a>', POST)).toBe(
      '<a href="#notes">Notes</a> <a href="https://news.example.com/posts/b#notes">b</a>',
    );
  });

  it('handles single-quoted, unquoted and upper-case attributes, quoting the result', () => {
    expect(absoluteUrlsInHtml("<IMG SRC='a.png' alt='it\"s'><a href=b.html title=x>b</a>", POST)).toBe(
      `<IMG SRC="https://news.example.com/posts/a.png" alt='it"s'><a href="https://news.example.com/posts/b.html" title=x>b</a>`,
    );
  });

  it('decodes references in the value before resolving, and encodes the result again', () => {
    expect(absoluteUrlsInHtml('<a href="list?a=1&amp;b=&quot;2&quot;">l</a>', POST)).toBe(
      '<a href="https://news.example.com/posts/list?a=1&amp;b=%222%22">l</a>',
    );
  });

  it('is not fooled by > or URL-like text inside other attribute values', () => {
    expect(absoluteUrlsInHtml('<img alt="a > b src=x.png" src="y.png"> src="z.png"', POST)).toBe(
      '<img alt="a > b src=x.png" src="https://news.example.com/posts/y.png"> src="z.png"',
    );
  });

  it('leaves other attributes and absolute URLs as they are', () => {
    const html = '<a href="https://other.example.org/x" data-src="rel.png" class="c">x</a>';
    expect(absoluteUrlsInHtml(html, POST)).toBe(html);
  });
});
