import { describe, expect, it } from 'vitest';
import {
  dropNonXmlChars,
  element,
  emptyElement,
  escapeAttribute,
  escapePlainText,
  escapeText,
  parentElement,
  plainTextElement,
} from '../../src/feeds/xml-escape.ts';
import { parseXml, xmlErrors } from './parse.ts';

/** Every C0 control but the three XML allows, and the two non-characters at the end of the BMP. */
const FORBIDDEN = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)).filter((c) => !'\t\n\r'.includes(c)),
  '\uFFFE',
  '\uFFFF',
];

describe('dropNonXmlChars', () => {
  it('drops what XML 1.0 §2.2 forbids and nothing else', () => {
    expect(dropNonXmlChars(`a${FORBIDDEN.join('')}b`)).toBe('ab');
    const allowed = '\t\n\r x~\u007F\u0085\u00A0é中\uD7FF\uE000\uFFFD🎉\u{10FFFF}مرحبا שלום';
    expect(dropNonXmlChars(allowed)).toBe(allowed);
  });

  it('drops lone surrogates but keeps pairs', () => {
    expect(dropNonXmlChars('a\uD800b\uDC00c\uD83D\uDE00d')).toBe('ab' + 'c😀d');
    expect(dropNonXmlChars('\uDE00\uD83D')).toBe('');
  });
});

describe('escapeText', () => {
  it('escapes markup so no text can end an element or a CDATA section', () => {
    expect(escapeText('a < b && c > d ]]> e')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt; e');
  });

  it('keeps a carriage return as a reference, which parsers do not normalise away (XML 1.0 §2.11)', () => {
    expect(escapeText('a\r\nb\rc')).toBe('a&#13;\nb&#13;c');
    expect(parseXml(`<t>${escapeText('a\r\nb\rc')}</t>`).text).toBe('a\r\nb\rc');
  });

  it('leaves quotes in text alone and drops forbidden characters', () => {
    expect(escapeText(`"it's"\u0000`)).toBe(`"it's"`);
  });
});

describe('escapeAttribute', () => {
  it('escapes <, &, " and the whitespace attribute normalisation would turn into spaces', () => {
    expect(escapeAttribute('a<b&c"d\'e>f\tg\nh\ri\u0001')).toBe("a&lt;b&amp;c&quot;d'e&gt;f&#9;g&#10;h&#13;i");
  });

  it('reads back exactly through a strict parser', () => {
    const value = 'R&D <"Labs"> it\'s\ttabbed\nlined\r\n]]>';
    const xml = `<t a="${escapeAttribute(value)}"/>`;
    expect(xmlErrors(xml)).toEqual([]);
    expect(parseXml(xml).attributes.a).toBe(value);
  });
});

describe('element builders', () => {
  it('writes an element with escaped text and attributes, leaving out undefined attributes', () => {
    expect(element('category', 'R&D', { domain: 'a"b', scheme: undefined, n: 3 })).toBe(
      '<category domain="a&quot;b" n="3">R&amp;D</category>',
    );
  });

  it('writes nothing for an undefined text, and an empty element for an empty one', () => {
    expect(element('copyright', undefined)).toBe('');
    expect(element('description', '')).toBe('<description></description>');
  });

  it('writes empty and parent elements', () => {
    expect(emptyElement('link', { href: 'https://e.com/?a=1&b=2', rel: 'self' })).toBe(
      '<link href="https://e.com/?a=1&amp;b=2" rel="self"/>',
    );
    expect(parentElement('author', element('name', '<Anna>'), { 'xml:lang': 'de' })).toBe(
      '<author xml:lang="de"><name>&lt;Anna&gt;</name></author>',
    );
  });

  it('gives well-formed XML for every forbidden or special character, in text and attributes', () => {
    const nasty = `${FORBIDDEN.join('')}<>&"'\r\n\t]]>]]>\uD800🎉`;
    const xml = parentElement('root', element('child', nasty, { value: nasty }) + emptyElement('empty', { value: nasty }));
    expect(xmlErrors(xml)).toEqual([]);
    const root = parseXml(xml);
    const expected = `<>&"'\r\n\t]]>]]>🎉`;
    expect(root.children.map((child) => [child.text, child.attributes.value])).toEqual([
      [expected, expected],
      ['', expected],
    ]);
  });
});

describe('escapePlainText and plainTextElement', () => {
  it('writes &, < and > as hexadecimal references (RSS Best Practices Profile), a CR as a reference, quotes as they are', () => {
    expect(escapePlainText('R&D <"Labs"> ]]> &amp;\r\u0001')).toBe('R&#x26;D &#x3C;"Labs"&#x3E; ]]&#x3E; &#x26;amp;&#13;');
  });

  it('reads back exactly, like escapeText', () => {
    const text = 'Q&A: <b>"it\'s"</b> ]]> &amp; &#x26;\r\nend';
    const xml = plainTextElement('title', text, { type: 'a"b' });
    expect(xml).toBe('<title type="a&quot;b">Q&#x26;A: &#x3C;b&#x3E;"it\'s"&#x3C;/b&#x3E; ]]&#x3E; &#x26;amp; &#x26;#x26;&#13;\nend</title>');
    expect(parseXml(xml).text).toBe(text);
    expect(parseXml(element('title', text)).text).toBe(text);
    expect(plainTextElement('title', undefined)).toBe('');
  });
});
