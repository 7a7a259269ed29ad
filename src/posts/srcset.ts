/**
 * `srcset="a.png 1x, b.png 2x"` as its candidates, split the way HTML does ("parse a srcset
 * attribute"): a URL runs to the next whitespace and may itself contain commas
 * (`/upload/w_400,h_300/a.jpg 400w`); commas only separate candidates after a URL or its descriptors.
 * Descriptors come back with their white space folded (`400w`, `2x`), or empty.
 */
export function srcsetCandidates(srcset: string): { url: string; descriptors: string }[] {
  const candidates: { url: string; descriptors: string }[] = [];
  const separator = /[\s,]*/y;
  const url = /\S+/y;
  const descriptors = /(?:[^,(]|\([^)]*\)?)*/y;
  let position = 0;
  while (position < srcset.length) {
    separator.lastIndex = position;
    separator.exec(srcset);
    url.lastIndex = separator.lastIndex;
    const found = url.exec(srcset)?.[0];
    if (!found) break;
    position = url.lastIndex;
    let described = '';
    if (!found.endsWith(',')) {
      descriptors.lastIndex = position;
      described = (descriptors.exec(srcset)?.[0] ?? '').trim().replace(/\s+/g, ' ');
      position = descriptors.lastIndex;
    }
    const candidate = found.replace(/,+$/, '');
    if (candidate) candidates.push({ url: candidate, descriptors: described });
  }
  return candidates;
}
