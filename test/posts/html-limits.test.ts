import { describe, expect, it } from 'vitest';
import { measureHtml } from '../../src/posts/html-limits.ts';

describe('measureHtml', () => {
  it('counts elements and the deepest nesting, void elements never opening', () => {
    expect(measureHtml('<p>Hello <b>big <i>world</i></b><br><img src="a.png"></p>')).toEqual({ depth: 3, elements: 5 });
    expect(measureHtml('plain text, a < b and c > d')).toEqual({ depth: 0, elements: 0 });
  });

  it('closes what the parser closes: paragraphs and list items that are never closed stay shallow', () => {
    const paragraphs = Array.from({ length: 500 }, (_, i) => `<p>Paragraph ${i}`).join('\n');
    expect(measureHtml(paragraphs)).toEqual({ depth: 1, elements: 500 });
    expect(measureHtml(`<ul>${'<li>item'.repeat(300)}</ul>`)).toEqual({ depth: 2, elements: 301 });
    expect(measureHtml('<p>one<div>block</div>')).toEqual({ depth: 1, elements: 2 });
  });

  it('counts unclosed inline elements as the nesting they are', () => {
    expect(measureHtml('<b>'.repeat(100_000)).depth).toBe(100_000);
    expect(measureHtml(`${'<div>'.repeat(1000)}x${'</div>'.repeat(1000)}`)).toEqual({ depth: 1000, elements: 1000 });
  });

  it('ignores end tags with nothing open, comments, and the text of script and style', () => {
    expect(measureHtml('</i></b><p>x</p>')).toEqual({ depth: 1, elements: 1 });
    expect(measureHtml('<!-- <div><div> --><script>if (a<b) "<div>"</script>')).toEqual({ depth: 1, elements: 1 });
    expect(measureHtml('<a title="x > <b>">link</a>')).toEqual({ depth: 1, elements: 1 });
  });

  it('reads tag names in any case, also where a letter lowers to two (U+0130)', () => {
    expect(measureHtml('<DIV><P>x</p></Div><SCRIPT>"<div>"</ScRiPt ><b>')).toEqual({ depth: 2, elements: 4 });
    expect(measureHtml('<style>a</stylex></STYLE><i>')).toEqual({ depth: 1, elements: 2 });
    // `İ` lowers to `i̇`, two code units: such a text is read on its lowered copy, as it always was, where
    // the indices drift by one per `İ` (here the script's end is missed, and its `<b>` counts).
    expect(measureHtml('<p title="İİ">İ<SCRIPT>İ<b></SCRIPT><b><i>x</i></b></p>')).toEqual({ depth: 5, elements: 5 });
  });

  it('scans 100,000 nested elements in linear time', () => {
    const started = performance.now();
    const shape = measureHtml(`<i>${'<b>'.repeat(100_000)}${'</i><i>'.repeat(100_000)}`);
    expect(shape.depth).toBe(100_001);
    // Generous: a quadratic scan would take minutes here.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
