/**
 * Feeds parsed the strict way, into a small tree, so tests compare what a reader sees (names resolved
 * to namespaces, references decoded, CDATA merged into text) instead of the bytes we happen to write.
 */
import { SaxesParser } from 'saxes';

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

export interface XmlElement {
  /** The qualified name as written: `content:encoded`. */
  name: string;
  uri: string;
  local: string;
  /** Keyed by the qualified name as written: `xml:lang`, `href`. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The character data directly inside, CDATA sections included. */
  text: string;
}

/** Every well-formedness or namespace error saxes reports; an empty list means the document is XML. */
export function xmlErrors(xml: string): string[] {
  return parse(xml).errors;
}

/** The document element; throws with every error when the document is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const { root, errors } = parse(xml);
  if (errors.length || !root) throw new Error(`not well-formed XML:\n${errors.join('\n') || 'no document element'}`);
  return root;
}

/** The tree as far as it goes, and every error saxes reported on the way. */
export function parse(xml: string): { root: XmlElement | undefined; errors: string[] } {
  const parser = new SaxesParser({ xmlns: true });
  const errors: string[] = [];
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('error', (error) => errors.push(error.message));
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const attribute of Object.values(tag.attributes)) attributes[attribute.name] = attribute.value;
    const element: XmlElement = { name: tag.name, uri: tag.uri, local: tag.local, attributes, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => void stack.pop());
  const addText = (text: string) => {
    const current = stack.at(-1);
    if (current) current.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.write(xml).close();
  return { root, errors };
}

/** The children of `parent` with this namespace and local name. */
export const childrenNamed = (parent: XmlElement, uri: string, local: string): XmlElement[] =>
  parent.children.filter((child) => child.uri === uri && child.local === local);

/** The one child with this name; throws when there is none or more than one. */
export function only(parent: XmlElement, uri: string, local: string): XmlElement {
  const found = childrenNamed(parent, uri, local);
  if (found.length !== 1) throw new Error(`expected one {${uri}}${local} in <${parent.name}>, found ${found.length}`);
  return found[0] as XmlElement;
}

/** The text of the one child with this name. */
export const textOf = (parent: XmlElement, uri: string, local: string): string => only(parent, uri, local).text;

/** Every element in the tree, depth first. */
export function* descendants(element: XmlElement): Generator<XmlElement> {
  yield element;
  for (const child of element.children) yield* descendants(child);
}
