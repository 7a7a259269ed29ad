/**
 * How deep a post's HTML nests and how many elements it has, found by one linear scan of the text, so a
 * hostile or broken body (100,000 nested `<div>`, 100,000 unclosed `<b>`) is refused at load time
 * instead of costing seconds in the sanitiser on a request.
 *
 * The scan follows the HTML parser the sanitiser uses (htmlparser2, HTML mode) where it matters for
 * depth: void elements never open, an end tag closes everything above its open element and is ignored
 * when there is none, the start tags that imply an end (`<p>` after `<p>`, `<li>` after `<li>`, a block
 * after `<p>`…) close it, and the text of `<script>`, `<style>`, `<textarea>`, `<title>` and the like is
 * not markup. It is not a parser: it only counts.
 */

export interface HtmlShape {
  /** The deepest nesting of open elements. */
  depth: number;
  /** Start tags. */
  elements: number;
}

const VOID = new Set([
  'area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex',
  'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

// htmlparser2's `openImpliesClose`: a start tag closes these while they are the innermost open element.
const FORM = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const P = new Set(['p']);
const TABLE_SECTION = new Set(['thead', 'tbody']);
const DD_DT = new Set(['dd', 'dt']);
const RT_RP = new Set(['rt', 'rp']);
const IMPLIED_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['li', new Set(['li'])],
  ['p', P],
  ['h1', P], ['h2', P], ['h3', P], ['h4', P], ['h5', P], ['h6', P],
  ['select', FORM], ['input', FORM], ['output', FORM], ['button', FORM], ['datalist', FORM], ['textarea', FORM],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', DD_DT], ['dt', DD_DT],
  ['address', P], ['article', P], ['aside', P], ['blockquote', P], ['details', P], ['div', P], ['dl', P],
  ['fieldset', P], ['figcaption', P], ['figure', P], ['footer', P], ['form', P], ['header', P], ['hr', P],
  ['main', P], ['nav', P], ['ol', P], ['pre', P], ['section', P], ['table', P], ['ul', P],
  ['rt', RT_RP], ['rp', RT_RP],
  ['tbody', TABLE_SECTION], ['tfoot', TABLE_SECTION],
]);

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isNameEnd = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13 || c === 47 || c === 62;

/** Index after the `>` that ends the tag starting at `from`, quotes respected; the text's length if none. */
function tagEnd(html: string, from: number): number {
  let quote = 0;
  for (let i = from; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return i + 1;
  }
  return html.length;
}

/**
 * `from` onward, where `</name` starts, ASCII case ignored (`name` is lowercase ASCII); -1 if nowhere.
 * What `html.toLowerCase().indexOf(`</${name}`, from)` finds, without lowering the whole text.
 */
function closingTagAt(html: string, name: string, from: number): number {
  for (let at = html.indexOf('</', from); at >= 0; at = html.indexOf('</', at + 1)) {
    let j = 0;
    for (; j < name.length; j++) {
      const c = html.charCodeAt(at + 2 + j);
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== name.charCodeAt(j)) break;
    }
    if (j === name.length) return at;
  }
  return -1;
}

/** Tag names most posts are made of, by length: found in place, with no new string for each tag. */
const COMMON_NAMES: readonly (readonly string[])[] = (() => {
  const names = ['a', 'p', 'b', 'i', 'em', 'br', 'li', 'ul', 'ol', 'h2', 'h3', 'h4', 'hr', 'td', 'tr', 'th', 'img', 'div',
    'sup', 'sub', 'span', 'code', 'table', 'tbody', 'thead', 'strong', 'figure', 'source', 'picture', 'blockquote', 'figcaption'];
  const byLength: string[][] = [];
  for (const name of names) (byLength[name.length] ??= []).push(name);
  return byLength;
})();

/** The common name (lowercase) that `html` has from `start` to `end`, ASCII case ignored; undefined when none. */
function commonName(html: string, start: number, end: number): string | undefined {
  for (const name of COMMON_NAMES[end - start] ?? []) {
    let j = 0;
    while (j < name.length) {
      const c = html.charCodeAt(start + j);
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== name.charCodeAt(j)) break;
      j++;
    }
    if (j === name.length) return name;
  }
  return undefined;
}

/** Depth and element count of `html`, in time linear in its length. */
export function measureHtml(html: string): HtmlShape {
  // Tag names are lowered one by one, as they are found. Lowering the whole text instead would cost a
  // copy of every post; it reads the same but for U+0130 (İ), which lowers to two code units and so
  // shifts every index after it: such a text is measured as before, on its lowered copy.
  const lower = html.includes('\u0130') ? html.toLowerCase() : undefined;
  const nameAt = (start: number, end: number) =>
    lower ? lower.slice(start, end) : (commonName(html, start, end) ?? html.slice(start, end).toLowerCase());
  const stack: string[] = [];
  // How many of each name are open: an end tag for a name that is not open costs nothing to ignore.
  const open = new Map<string, number>();
  const push = (name: string) => {
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
  };
  const pop = () => {
    const name = stack.pop() as string;
    open.set(name, (open.get(name) ?? 1) - 1);
  };
  let depth = 0;
  let elements = 0;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const next = html.charCodeAt(lt + 1);
    if (html.startsWith('!--', lt + 1)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (next === 47 /* / */ && isNameStart(html.charCodeAt(lt + 2))) {
      let n = lt + 2;
      while (n < html.length && !isNameEnd(html.charCodeAt(n))) n++;
      const name = nameAt(lt + 2, n);
      if ((open.get(name) ?? 0) > 0) {
        // Amortised linear: every element popped here was pushed once.
        while (stack.length && stack[stack.length - 1] !== name) pop();
        pop();
      }
      i = tagEnd(html, n);
      continue;
    }
    if (!isNameStart(next)) {
      // `<!DOCTYPE…>`, `<?…>` are skipped whole; a lone `<` is text.
      i = next === 33 || next === 63 ? tagEnd(html, lt + 2) : lt + 1;
      continue;
    }
    let n = lt + 1;
    while (n < html.length && !isNameEnd(html.charCodeAt(n))) n++;
    const name = nameAt(lt + 1, n);
    elements++;
    const closes = IMPLIED_CLOSE.get(name);
    if (closes) while (stack.length && closes.has(stack[stack.length - 1] as string)) pop();
    i = tagEnd(html, n);
    if (VOID.has(name)) continue;
    push(name);
    if (stack.length > depth) depth = stack.length;
    if (RAW_TEXT.has(name)) {
      const end = lower ? lower.indexOf(`</${name}`, i) : closingTagAt(html, name, i);
      i = end < 0 ? html.length : end;
    }
  }
  return { depth, elements };
}
