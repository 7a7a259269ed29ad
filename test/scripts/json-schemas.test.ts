/** The editor schemas: committed as `npm run schemas` writes them now, and true to the data they describe. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { POST_SCHEMA_FILE, SITE_SCHEMA_FILE, editorSchemas, schemaText } from '../../scripts/json-schemas.ts';
import { postRecord, siteRecord } from '../fixtures.ts';
import { SEED_DIR, SEED_SLUG } from '../support.ts';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;

function validator(file: string): ValidateFunction {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  return ajv.compile(readJson(file) as object);
}
const errorsOf = (validate: ValidateFunction, value: unknown) =>
  validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe('npm run schemas', () => {
  it('has written the committed files from the valibot schemas as they are now', () => {
    for (const [file, schema] of Object.entries(editorSchemas())) {
      expect(readFileSync(file, 'utf8'), `${path.basename(file)} is stale: run npm run schemas`).toBe(schemaText(schema));
    }
  });

  it('names the required fields, their types, enums, defaults and descriptions', () => {
    const post = readJson(POST_SCHEMA_FILE) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { type?: string; enum?: string[]; default?: unknown; description?: string }>;
    };
    expect(post.required).toEqual(['title', 'published', 'content']);
    expect(post.additionalProperties).toBe(false);
    expect(post.properties.format).toMatchObject({ type: 'string', enum: ['html', 'markdown'], default: 'html' });
    expect(post.properties.draft?.type).toBe('boolean');
    for (const [field, schema] of Object.entries(post.properties)) expect(schema.description, field).toBeTruthy();
    const site = readJson(SITE_SCHEMA_FILE) as { required: string[]; properties: Record<string, { format?: string }> };
    expect(site.required).toEqual(['title', 'description', 'language', 'authors']);
    expect(site.properties.url?.format).toBe('uri');
  });
});

describe('the editor schemas', () => {
  const site = validator(SITE_SCHEMA_FILE);
  const post = validator(POST_SCHEMA_FILE);

  it('accept the seed post and its site.json', () => {
    expect(errorsOf(site, readJson(path.join(SEED_DIR, 'site.json')))).toEqual([]);
    expect(errorsOf(post, readJson(path.join(SEED_DIR, 'posts', `${SEED_SLUG}.json`)))).toEqual([]);
  });

  it('accept a "$schema" line, Markdown and every optional field', () => {
    const full = postRecord({
      $schema: '../../src/posts/json-schema/post.schema.json',
      format: 'markdown',
      content: '# Hello',
      id: 'tag:example.com,2024:a-post',
      slug: 'a-post',
      updated: '2024-03-02T09:30+01:00',
      summary: 'Short.',
      authors: [{ name: 'Anna Berg', email: 'anna@example.com', url: 'https://example.com/anna' }],
      categories: ['Company News'],
      image: { url: '../media/a.png', alt: 'A' },
      attachments: [{ url: '/media/r.pdf', mimeType: 'application/pdf', size: 10, title: 'Report' }],
      draft: true,
      language: 'en-GB',
    });
    expect(errorsOf(post, full)).toEqual([]);
    expect(errorsOf(site, siteRecord({ $schema: '../src/posts/json-schema/site.schema.json', cache: { maxAge: 60 } }))).toEqual([]);
  });

  it('mark what the loader refuses or warns about', () => {
    expect(errorsOf(post, postRecord({ format: 'md', published: 'yesterday', slug: 'Not A Slug', titel: 'x' }))).toEqual([
      ' must NOT have additional properties',
      '/published must match pattern "^\\d{4}-\\d{2}-\\d{2}(?:[Tt]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:[Zz]|[+-]\\d{2}:\\d{2}))?$"',
      '/format must be equal to one of the allowed values',
      '/slug must match pattern "^[a-z0-9]+(?:-[a-z0-9]+)*$"',
    ]);
    expect(errorsOf(site, siteRecord({ url: 'ftp://example.com', feedLimit: 0 }))).toEqual([
      '/url must match pattern "^[Hh][Tt][Tt][Pp][Ss]?://"',
      '/feedLimit must be >= 1',
    ]);
  });
});
