import { describe, expect, it } from 'vitest';
import { decodeEntities } from '../../src/posts/entities.ts';
import { excerpt, htmlToText, textToHtml } from '../../src/feeds/plain-text.ts';

describe('decodeEntities', () => {
  it('decodes numeric and common named references', () => {
    expect(decodeEntities('&amp; &lt;&gt; &quot;&apos; &#169; &#x1F389; &#X41; &nbsp;&mdash;&hellip;&rsquo;')).toBe(
      '& <> "\' © 🎉 A \u00a0—…’',
    );
  });

  it('leaves unknown names and impossible code points out of harm', () => {
    expect(decodeEntities('&unknown; &#0; &#x110000;')).toBe('&unknown;  ');
  });
});

describe('htmlToText', () => {
  it('drops an unclosed script or comment to the end, and keeps text after a stray <', () => {
    expect(htmlToText('<p>a</p><SCRIPT>x</script ><p>b<!-- c -->d</p><script>never closed <p>e')).toBe('a b d');
    expect(htmlToText('<p>a</p><!-- never closed <p>b')).toBe('a');
    expect(htmlToText('1 < 2 and <b>3</b>')).toBe('1 < 2 and 3');
    expect(htmlToText('<p'.repeat(5) + '>x')).toBe('<p<p<p<p x');
  });

  it('keeps the words, drops markup, comments and scripts, and collapses whitespace', () => {
    expect(
      htmlToText(
        '<p>Hello <b>world</b>,</p>\n<!-- hidden --><script>var x = "<p>no</p>";</script>' +
          '<style>p { color: red }</style><p>next&nbsp;line &amp; more</p>',
      ),
    ).toBe('Hello world, next line & more'); // a no-break space is whitespace too
  });

  it('puts no space where an inline element ends or starts, so punctuation and words stay as written', () => {
    expect(htmlToText('<p>Read <b>the full budget</b>. Then <a href="x">this</a>, <em>or</em>; (<i>that</i>)</p>')).toBe(
      'Read the full budget. Then this, or; (that)',
    );
    expect(htmlToText('un<i>believ</i>able <SPAN class="x">H</SPAN><sub>2</sub>O')).toBe('unbelievable H2O');
  });

  it('keeps a space where a block element, a line break or an image separates words', () => {
    expect(htmlToText('<p>one</p><p>two</p><div>three</div><li>four</li>five<br>six<img src="a.png">seven<td>eight</td>')).toBe(
      'one two three four five six seven eight',
    );
    expect(htmlToText('<h2>Title</h2><custom-el>word</custom-el>.')).toBe('Title word .');
  });

  it('decodes references after the markup is gone, so escaped markup stays text', () => {
    expect(htmlToText('<p>Use &lt;b&gt; for bold</p>')).toBe('Use <b> for bold');
  });
});

describe('excerpt', () => {
  it('returns a short text as it is', () => {
    expect(excerpt('Short text.')).toBe('Short text.');
    const exact = 'x'.repeat(280);
    expect(excerpt(exact)).toBe(exact);
  });

  it('cuts a long text at a word boundary with an ellipsis, at most 280 characters', () => {
    const text = 'word '.repeat(100).trim();
    const result = excerpt(text);
    expect(result).toBe(`${'word '.repeat(55).trim()}…`);
    expect(Array.from(result).length).toBeLessThanOrEqual(280);
  });

  it('cuts inside a word when there is no boundary in the second half', () => {
    const result = excerpt('x'.repeat(400));
    expect(result).toBe(`${'x'.repeat(279)}…`);
  });

  it('counts an emoji or an astral character as one character', () => {
    const result = excerpt('🎉'.repeat(300), 10);
    expect(result).toBe(`${'🎉'.repeat(9)}…`);
    expect(Array.from(result)).toHaveLength(10);
  });
});

describe('textToHtml', () => {
  it('escapes what HTML would read as markup, and nothing else', () => {
    expect(textToHtml('use a<b and c>d & "q" it\'s &amp;')).toBe('use a&lt;b and c&gt;d &amp; "q" it\'s &amp;amp;');
  });

  it('gives back the same text through htmlToText', () => {
    const text = 'a<b & c>d &amp; <p>x</p> ]]>';
    expect(htmlToText(textToHtml(text))).toBe(text);
  });
});
