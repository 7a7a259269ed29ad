import type { ContentCoding } from './representation.ts';

/**
 * Picks the content coding from Accept-Encoding (RFC 9110 §12.5.3): the highest q-value among the
 * codings we have, `*` standing for any not named, `q=0` refusing. Ties go to the smaller body (br).
 * `undefined` means identity, which is always acceptable enough to send: refusing it too would only
 * earn a 406 that no feed reader handles.
 */
export function chooseEncoding(
  acceptEncoding: string | null,
  available: readonly ContentCoding[],
): ContentCoding | undefined {
  if (!acceptEncoding || available.length === 0) return undefined;
  const weights = new Map<string, number>();
  for (const member of acceptEncoding.split(',')) {
    const [name, ...parameters] = member.split(';');
    const coding = name?.trim().toLowerCase();
    if (!coding) continue;
    let q = 1;
    for (const parameter of parameters) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(parameter);
      if (match?.[1] !== undefined) q = Math.min(1, Number(match[1]));
      else if (/^\s*q\s*=/i.test(parameter)) q = 0; // a malformed weight: safest to read as a refusal
    }
    // x-gzip is gzip (RFC 9110 §8.4.1.3).
    weights.set(coding === 'x-gzip' ? 'gzip' : coding, q);
  }
  const wildcard = weights.get('*');
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of available) {
    const q = weights.get(coding) ?? wildcard ?? 0;
    if (q > bestQ) [best, bestQ] = [coding, q];
  }
  return best;
}
