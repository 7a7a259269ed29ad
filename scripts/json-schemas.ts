/**
 * `npm run schemas`: writes the JSON Schemas of `site.json` and of a post file, made from the valibot
 * schemas in src/posts/schema.ts, to src/posts/json-schema/. Editors that read a file's `"$schema"`
 * line then complete field names, show each field's description and mark mistakes as they are typed.
 * The loader stays the judge: a few of its rules (real calendar dates, safe URL schemes) are checks in
 * code that JSON Schema can only approximate.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toJsonSchema, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import { PostSchema, SiteSchema } from '../src/posts/schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** In the source tree, not in data/: each newsroom brings its own data folder, the schemas come with the code. */
export const SCHEMA_DIR = path.join(ROOT, 'src', 'posts', 'json-schema');
export const SITE_SCHEMA_FILE = path.join(SCHEMA_DIR, 'site.schema.json');
export const POST_SCHEMA_FILE = path.join(SCHEMA_DIR, 'post.schema.json');

const CONVERSION: ConversionConfig = {
  // Every action the converter does not know fails the script, except these two: `check` is a rule in
  // code (described in the field's description, approximated by its metadata), and `transform` turns a
  // date's text into a Date after it has been checked, which changes nothing a file may hold.
  overrideAction: ({ valibotAction, jsonSchema }) =>
    valibotAction.type === 'check' || valibotAction.type === 'transform' ? { ...jsonSchema } : undefined,
};

/** The schema of a file: the converter's output, with unknown fields marked as the loader marks them. */
function fileSchema(schema: typeof SiteSchema | typeof PostSchema, title: string, description: string): JsonSchema {
  const converted = toJsonSchema(schema, CONVERSION);
  const { $schema, ...rest } = converted;
  return { $schema, title, description, ...closed(rest) } as JsonSchema;
}

/**
 * `additionalProperties: false` on every object: the loader warns about a field it does not know
 * (`titel`), and editors show this keyword's complaint the same way, as a squiggle, not a failure.
 */
function closed(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (out.type === 'object' && out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([key, value]) => [key, closedDefinition(value)]));
    out.additionalProperties = false;
  }
  if (out.items && !Array.isArray(out.items)) out.items = closedDefinition(out.items);
  return out;
}

const closedDefinition = <T,>(value: T): T =>
  value !== null && typeof value === 'object' ? (closed(value as JsonSchema) as T) : value;

/** Both schemas, keyed by the file each is written to. */
export function editorSchemas(): Record<string, JsonSchema> {
  return {
    [SITE_SCHEMA_FILE]: fileSchema(
      SiteSchema,
      'Pressroom site.json',
      "The site's metadata: data/site.json of a Pressroom data folder. See README.md#data-format.",
    ),
    [POST_SCHEMA_FILE]: fileSchema(
      PostSchema,
      'Pressroom post',
      'One post: a file under data/posts/ of a Pressroom data folder. See README.md#data-format.',
    ),
  };
}

/** The text written for a schema: two-space JSON and a final newline, as the data files are written. */
export const schemaText = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

export async function writeEditorSchemas(): Promise<string[]> {
  await mkdir(SCHEMA_DIR, { recursive: true });
  const written: string[] = [];
  for (const [file, schema] of Object.entries(editorSchemas())) {
    await writeFile(file, schemaText(schema));
    written.push(path.relative(process.cwd(), file));
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of await writeEditorSchemas()) console.log(file);
}
