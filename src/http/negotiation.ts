import type { ContentCoding } from './representation.ts';

/** One member of Accept or Accept-Encoding: the value before its parameters, trimmed, and its weight. */
export interface Weighted {
  value: string;
  q: number;
}

/**
 * The members of a header weighted by `q` (RFC 9110 §12.4.2): `gzip;q=0.5, br` → gzip at 0.5, br at 1.
 * A weight that is not a qvalue reads as 0: a refusal is the safe reading of a value we cannot trust.
 */
export function weightedValues(header: string): Weighted[] {
  const members: Weighted[] = [];
  for (const member of header.split(',')) {
    const [value = '', ...parameters] = member.split(';');
    let q = 1;
    for (const parameter of parameters) {
      const weight = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(parameter);
      if (weight?.[1] !== undefined) q = Math.min(1, Number(weight[1]));
      else if (/^\s*q\s*=/i.test(parameter)) q = 0;
    }
    members.push({ value: value.trim(), q });
  }
  return members;
}

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
  for (const { value, q } of weightedValues(acceptEncoding)) {
    const coding = value.toLowerCase();
    // x-gzip is gzip (RFC 9110 §8.4.1.3).
    if (coding) weights.set(coding === 'x-gzip' ? 'gzip' : coding, q);
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
