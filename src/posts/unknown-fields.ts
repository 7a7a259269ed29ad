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
    const entry = schema.entries[key];
    if (entry) {
      found.push(...walk(entry, item, join(path, key)));
      continue;
    }
    const suggestion = closest(key, known.filter((k) => !(k in value)));
    found.push(suggestion ? { path: join(path, key), suggestion } : { path: join(path, key) });
  }
  return found;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The known name within two edits (one for short names) of `key`, if any. */
function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const candidate of candidates) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const allowed = key.length <= 4 ? 1 : 2;
  return bestDistance <= allowed ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
