import type { Context } from 'hono';

/** One response body, rendered once per data version and served from memory after. */
export interface Rendered {
  body: string | Uint8Array;
  contentType: string;
  /** Approximate bytes held in memory, for the render cache's bound. */
  size: number;
}

export const sizeOf = (body: string | Uint8Array): number =>
  typeof body === 'string' ? body.length * 2 : body.byteLength;

export const rendered = (body: string, contentType: string): Rendered => ({ body, contentType, size: sizeOf(body) });

/** Sends a rendered body with its content type and any extra headers. */
export function send(c: Context, value: Rendered, headers: Record<string, string> = {}): Response {
  c.header('Content-Type', value.contentType);
  for (const [name, content] of Object.entries(headers)) c.header(name, content);
  return typeof value.body === 'string' ? c.body(value.body) : c.body(value.body as Uint8Array<ArrayBuffer>);
}
