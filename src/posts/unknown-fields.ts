import type { GenericSchema } from 'valibot';

/** Where a record has a field its schema does not know, and the field it probably meant. */
export interface UnknownField {
  path: string;
  suggestion?: string;
}

interface SchemaShape {
  type: string;
  entries?: Record<string, SchemaShape>;
  item?: SchemaShape;
  wrapped?: SchemaShape;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * valibot's `object` drops unknown keys silently; a publisher who typed `titel` deserves to hear
 * about it, so we walk the schema beside the value and report every key it does not name.
 */
export function findUnknownFields(schema: GenericSchema, value: unknown, path = ''): UnknownField[] {
  return walk(schema as unknown as SchemaShape, value, path);
}

function walk(schema: SchemaShape, value: unknown, path: string): UnknownField[] {
  if (schema.wrapped) return walk(schema.wrapped, value, path);
  if (schema.type === 'array' && schema.item && Array.isArray(value)) {
    return value.flatMap((item, i) => walk(schema.item as SchemaShape, item, join(path, String(i))));
  }
  if (schema.type !== 'object' || !schema.entries || !isRecord(value)) return [];
  const known = Object.keys(schema.entries);
  const found: UnknownField[] = [];
  for (const [key, item] of Object.entries(value)) {
    // Own keys only: a record's "constructor" or "toString" is not a field of the schema.
    const entry = Object.hasOwn(schema.entries, key) ? schema.entries[key] : undefined;
    if (entry) {
      found.push(...walk(entry, item, join(path, key)));
      continue;
    }
    // A field the record lacks is the likelier meaning; one it has is still worth naming (a stray copy).
    const suggestion = closest(key, known.filter((k) => !Object.hasOwn(value, k))) ?? closest(key, known);
    found.push(suggestion ? { path: join(path, key), suggestion } : { path: join(path, key) });
  }
  return found;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The known name within two edits (one for short names) of `key`, if any; swapping two neighbours is one edit. */
function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const allowed = key.length <= 4 ? 1 : 2;
  return bestDistance <= allowed ? best : undefined;
}

/**
 * Levenshtein distance plus adjacent transpositions (optimal string alignment): the commonest typo,
 * `nmae` for `name`, is one edit, not two.
 */
function editDistance(a: string, b: string): number {
  // d[i][j]: the distance between the first i characters of a and the first j of b.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i + j));
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      const transposition = swapped ? at(i - 2, j - 2) + 1 : Infinity;
      (d[i] as number[])[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, substitution, transposition);
    }
  }
  return at(a.length, b.length);
}
