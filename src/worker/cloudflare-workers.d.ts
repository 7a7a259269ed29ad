/** The part of the Workers runtime's built-in module the worker uses (src/worker/main.ts). */
declare module 'cloudflare:workers' {
  /** The bindings and vars of wrangler.toml, readable at start-up, outside any request. */
  export const env: Record<string, unknown>;
}
