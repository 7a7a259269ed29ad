/**
 * What `import('cloudflare:workers')` gives the worker under bench/worker-in-node.ts: its `env`, filled
 * by the harness before the worker's module is loaded, as workerd fills it before a script starts.
 */
export const env: Record<string, unknown> = {};
