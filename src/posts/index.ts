export * from './schema.ts';
export * from './load.ts';
export * from './problems.ts';
export * from './bundle.ts';
export * from './http-url.ts';
export * from './plural.ts';
