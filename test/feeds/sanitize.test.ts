import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feedItem } from '../../src/feeds/model.ts';
import { oncePerPost } from '../../src/feeds/safe-content.ts';
import { CONTENT_POLICY, sanitizeContent, sanitizingOncePerPost } from '../../src/feeds/sanitize.ts';
import { dataset, postRecord } from '../fixtures.ts';
import { xmlErrors } from './parse.ts';

const decode = (text: string) =>
  text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The start tags of sanitised output, each with its attributes. Loose parsing is enough here: the
 * sanitiser escapes every `<` in text, so each `<` it writes starts a tag.
 */
function startTags(html: string): { name: string; attributes: Record<string, string> }[] {
  return [...html.matchAll(/<([a-zA-Z][^\s/>]*)([^>]*)>/g)].map(([, name, rest]) => {
    const attributes: Record<string, string> = {};
    for (const m of (rest ?? '').matchAll(/([^\s"'=/>]+)(?:="([^"]*)")?/g)) attributes[m[1]!] = decode(m[2] ?? '');
    return { name: name!.toLowerCase(), attributes };
  });
}

const ALLOWED_TAGS = new Set(CONTENT_POLICY.allowedTags as string[]);
const DANGEROUS_URL = /^[\s\x00-\x20]*(?:javascript|vbscript|data):/i;
const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'];

/** What the policy promises about any output, checked tag by tag. */
function assertSafe(html: string): void {
  for (const { name, attributes } of startTags(html)) {
    expect(ALLOWED_TAGS.has(name), `<${name}> is not on the list`).toBe(true);
    for (const [attribute, value] of Object.entries(attributes)) {
      expect(attribute, `<${name} ${attribute}>`).not.toMatch(/^on/i);
      expect(attribute).not.toBe('style');
      const isInlineImage = name === 'img' && attribute === 'src' && /^data:image\//i.test(value);
      if (URL_ATTRIBUTES.includes(attribute) && !isInlineImage) expect(value, `<${name} ${attribute}>`).not.toMatch(DANGEROUS_URL);
      if (attribute === 'srcset') expect(value).not.toMatch(/(?:^|,\s*)(?:javascript|vbscript|data):/i);
    }
  }
  expect(html).not.toMatch(/<\/?(?:script|style|iframe|object|embed)\b/i);
}

describe('sanitizeContent', () => {
  it('keeps the publisher\'s markup: structure, links, images, tables, media', () => {
    const html =
      '<h2 id="intro">Intro</h2><p lang="de">Über <em>uns</em>, <strong>jetzt</strong> <a href="https://example.com/a?b=1&amp;c=2" title="A">link</a>.</p>' +
      '<figure><img src="../media/plant.png" srcset="../media/plant.png 1x, ../media/plant@2x.png 2x" alt="The plant" width="640" height="480"><figcaption>Caption</figcaption></figure>' +
      '<blockquote cite="https://example.com/q"><p>Quote</p></blockquote><ul><li>One</li></ul><ol start="3"><li>Three</li></ol>' +
      '<table><thead><tr><th scope="col">Year</th></tr></thead><tbody><tr><td colspan="2">2024</td></tr></tbody></table>' +
      '<video src="/media/clip.mp4" poster="/media/clip.png" controls></video><pre><code>a &lt; b</code></pre>' +
      '<p><a href="mailto:press@example.com">Mail</a> <a href="#intro">Top</a> <time datetime="2024-03-01">1 March</time></p>';
    expect(sanitizeContent(html)).toBe(
      '<h2 id="intro">Intro</h2><p lang="de">Über <em>uns</em>, <strong>jetzt</strong> <a href="https://example.com/a?b=1&amp;c=2" title="A">link</a>.</p>' +
        '<figure><img src="../media/plant.png" srcset="../media/plant.png 1x, ../media/plant@2x.png 2x" alt="The plant" width="640" height="480" /><figcaption>Caption</figcaption></figure>' +
        '<blockquote cite="https://example.com/q"><p>Quote</p></blockquote><ul><li>One</li></ul><ol start="3"><li>Three</li></ol>' +
        '<table><thead><tr><th scope="col">Year</th></tr></thead><tbody><tr><td colspan="2">2024</td></tr></tbody></table>' +
        '<video src="/media/clip.mp4" poster="/media/clip.png" controls></video><pre><code>a &lt; b</code></pre>' +
        '<p><a href="mailto:press@example.com">Mail</a> <a href="#intro">Top</a> <time datetime="2024-03-01">1 March</time></p>',
    );
  });

  it.each([
    ['<p>Hi</p><script>alert(1)</script>', '<p>Hi</p>'],
    ['<p>Hi</p><SCRIPT src="https://evil.example/x.js"></SCRIPT>', '<p>Hi</p>'],
    ['<style>body{display:none}</style><p>Hi</p>', '<p>Hi</p>'],
    ['<iframe src="https://evil.example/">fallback</iframe><p>Hi</p>', '<p>Hi</p>'],
    ['<object data="x.swf"><embed src="x.swf"></object><p>Hi</p>', '<p>Hi</p>'],
    ['<noscript><img src="x"></noscript><template><p>t</p></template><p>Hi</p>', '<p>Hi</p>'],
    ['<form action="https://evil.example/"><input name="q"><button>Search</button></form>', 'Search'],
    ['<p onclick="steal()" ONMOUSEOVER=steal() style="position:fixed" class="x">Hi</p>', '<p>Hi</p>'],
    ['<img src="x.png" onerror="alert(1)" alt="">', '<img src="x.png" alt="" />'],
    ['<svg onload="alert(1)"><circle r="1"/></svg>', ''],
    ['<p>a<!-- secret --></p>', '<p>a</p>'],
    ['<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/"><link rel="stylesheet" href="x.css">', ''],
  ])('removes what could run: %s', (input, expected) => {
    expect(sanitizeContent(input)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    '&#106;avascript:alert(1)',
    'jav&#x61;script:alert(1)',
    'javascript&colon;alert(1)',
    '\u0001javascript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD4=',
  ])('drops the link to %j', (url) => {
    const out = sanitizeContent(`<a href="${url}">x</a><blockquote cite="${url}">q</blockquote><video poster="${url}"></video>`);
    expect(out).toBe('<a>x</a><blockquote>q</blockquote><video></video>');
  });

  it('keeps an inline data:image picture, but no other data: URL, on img', () => {
    expect(sanitizeContent('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">')).toBe(
      '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" />',
    );
    expect(sanitizeContent('<img src="data:text/html,<script>alert(1)</script>" alt="x">')).toBe('<img alt="x" />');
    expect(sanitizeContent('<img src=" DATA:application/javascript,alert(1)" alt="x">')).toBe('<img alt="x" />');
    expect(sanitizeContent('<img srcset="a.png 1x, javascript:alert(1) 2x, data:image/png;base64,AA 3x" src="a.png" alt="">')).toBe(
      '<img srcset="a.png 1x" src="a.png" alt="" />',
    );
  });

  it('keeps relative and protocol-relative URLs as written, for absolute-urls.ts to resolve', () => {
    expect(sanitizeContent('<a href="../media/report.pdf">r</a><img src="//cdn.example.com/a.png" alt="">')).toBe(
      '<a href="../media/report.pdf">r</a><img src="//cdn.example.com/a.png" alt="" />',
    );
  });

  it('decodes character references XML lacks, and escapes what XML needs', () => {
    expect(sanitizeContent('<p>A&nbsp;B &mdash; C &amp; D &lt;E&gt; &unknown; &#x1F600; &copy;</p>')).toBe(
      '<p>A\u00a0B — C &amp; D &lt;E&gt; &amp;unknown; 😀 ©</p>',
    );
    expect(xmlErrors(`<x>${sanitizeContent('<p>A&nbsp;B &hellip; &eacute; &zwnj;</p>')}</x>`)).toEqual([]);
  });

  it('is safe, and stable, for any mix of tags, attributes and URLs', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '<script>', '</script>', '<style>', '<iframe src=x>', '<img ', '<a ', '<svg ', '<p ', '<video ', '<math>',
        '<table>', '<!--', '-->', '<![CDATA[', ']]>', '>', '/>', '<', '"', "'", '=', ' ', '&', '&nbsp;', '&#x6a;',
        'onerror=', 'onclick="', 'href=', 'src=', 'srcset=', 'poster=', 'style=', 'javascript:', 'java\tscript:',
        'vbscript:', 'data:text/html,', 'data:image/png,', 'alert(1)', '</p>', '</a>', '<noscript>', '<textarea>',
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const out = sanitizeContent(pieces.join(''));
        assertSafe(out);
        expect(sanitizeContent(out)).toBe(out);
      }),
      { numRuns: 400 },
    );
  });
});

describe('sanitizingOncePerPost', () => {
  it('sanitises each post once, and a new post object afresh', () => {
    const safeContentOf = sanitizingOncePerPost();
    const post = { content: '<p onclick="x()">Hi</p>' };
    const first = safeContentOf(post);
    expect(first).toBe('<p>Hi</p>');
    expect(safeContentOf(post)).toBe(first);
    expect(safeContentOf({ content: '<b>New</b><script></script>' })).toBe('<b>New</b>');
  });

  it('remembers for the one function that sanitised, never for another', () => {
    let runs = 0;
    const counting = (html: string) => `${html}${++runs}`;
    const post = { content: '<p>A</p>' };
    const first = oncePerPost(counting);
    expect([first(post), first(post)]).toEqual(['<p>A</p>1', '<p>A</p>1']);
    expect(oncePerPost(counting)(post)).toBe('<p>A</p>2');
  });
});

describe('feedItem', () => {
  it('sanitises, then resolves the relative URLs that survived', async () => {
    const { posts } = await dataset({
      posts: {
        hostile: postRecord({
          content: '<p><a href="../media/a.pdf" onclick="x()">a</a> <a href="javascript:alert(1)">b</a><img src="pic.png" alt=""></p><script>x</script>',
        }),
      },
    });
    const item = feedItem(posts[0]!, 'https://news.example.com', sanitizingOncePerPost());
    expect(item.contentHtml).toBe(
      '<p><a href="https://news.example.com/media/a.pdf">a</a> <a>b</a><img src="https://news.example.com/posts/pic.png" alt="" /></p>',
    );
  });

  it('resolves the URLs of the safe content it is given, however it was made', async () => {
    const { posts } = await dataset({ posts: { bundled: postRecord({ content: '<p>raw</p>' }) } });
    const post = posts[0]!;
    const sanitizedAtBuild = () => '<p><a href="../media/a.pdf">a</a></p>';
    expect(feedItem(post, 'https://news.example.com', sanitizedAtBuild).contentHtml).toBe('<p><a href="https://news.example.com/media/a.pdf">a</a></p>');
  });
});
