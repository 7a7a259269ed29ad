/**
 * XML 1.0 §2.2: only these code points may appear in a document. Everything else (C0 controls, lone
 * surrogates, U+FFFE/U+FFFF) is dropped, because no escape can make it well-formed.
 */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export const dropNonXmlChars = (text: string): string => text.replace(NOT_XML_CHAR, '');

const TEXT_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  // `>` is escaped too, so `]]>` can never appear in character data.
  '>': '&gt;',
  // A raw CR would be normalised to LF by every parser (XML 1.0 §2.11); the reference survives.
  '\r': '&#13;',
};
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  // No `'`: our attributes are double-quoted, so it needs no escape (XML 1.0 §2.3, AttValue), and readers
  // built on fast-xml-parser (@rowanmanning/feed-parser) show `&#39;` in an attribute as it is written.
  // Attribute-value normalisation (XML 1.0 §3.3.3) would turn these into spaces.
  '\n': '&#10;',
  '\t': '&#9;',
};

/** Character data: well-formed whatever the input. */
export const escapeText = (text: string): string =>
  dropNonXmlChars(text).replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);

const PLAIN_TEXT_ESCAPES: Record<string, string> = {
  '&': '&#x26;',
  '<': '&#x3C;',
  '>': '&#x3E;',
  '\r': '&#13;',
};

/**
 * Character data that is plain text in RSS, where the format never said whether a title may hold HTML.
 * The RSS Best Practices Profile ("Character Data") recommends hexadecimal references for `&` and `<`
 * (and `&#x3E;` for `>`): the form that works in the widest range of aggregators, and the one the W3C
 * validator accepts without a CharacterData warning. Every XML parser reads the same text as from `&amp;`.
 */
export const escapePlainText = (text: string): string =>
  dropNonXmlChars(text).replace(/[&<>\r]/g, (c) => PLAIN_TEXT_ESCAPES[c] ?? c);

/** An attribute value for a double-quoted attribute. */
export const escapeAttribute = (text: string): string =>
  dropNonXmlChars(text).replace(/[&<>\r"\n\t]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);

type Attributes = Record<string, string | number | undefined>;

const attributes = (attrs: Attributes) =>
  Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');

/** `<name a="1">text</name>`, or nothing when the text is undefined (an optional element). */
export function element(name: string, text: string | undefined, attrs: Attributes = {}): string {
  if (text === undefined) return '';
  return `<${name}${attributes(attrs)}>${escapeText(text)}</${name}>`;
}

/** Like `element`, for plain text in RSS: `&`, `<` and `>` as hexadecimal references (see `escapePlainText`). */
export function plainTextElement(name: string, text: string | undefined, attrs: Attributes = {}): string {
  if (text === undefined) return '';
  return `<${name}${attributes(attrs)}>${escapePlainText(text)}</${name}>`;
}

/** `<name a="1"/>` */
export const emptyElement = (name: string, attrs: Attributes): string => `<${name}${attributes(attrs)}/>`;

/** `<name a="1">children</name>`, the children already XML. */
export const parentElement = (name: string, children: string, attrs: Attributes = {}): string =>
  `<${name}${attributes(attrs)}>${children}</${name}>`;

/**
 * The XML declaration, and the `<?xml-stylesheet?>` that lets a browser show the feed as a page. Its
 * pseudo-attribute takes the predefined entities like an attribute (xml-stylesheet §2), and an escaped
 * `>` cannot end the instruction early.
 */
export const xmlPrologue = (stylesheetUrl?: string): string =>
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  (stylesheetUrl ? `<?xml-stylesheet type="text/xsl" href="${escapeAttribute(stylesheetUrl)}"?>\n` : '');
