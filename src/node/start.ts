import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.ts';

/**
 * What `npm start` runs (`dist/node.mjs`): the server's bundle (`dist/server.cjs`, `src/node/main.ts`
 * and the packages it uses) through V8's code cache, `dist/server.cjs.cache`, which a start writes once
 * its work is done when it had none or compiled more (see code-cache.ts). `npm run dev` runs `main.ts`
 * itself.
 */
const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.cjs');
const run = runWithCodeCache(bundle, `${bundle}.cache`);
const { started } = run.exports as { started?: Promise<void> };
// Once the load after listening has run: the cache then holds the code of a whole start, the first
// load's and the first requests' included.
void started?.then(() => run.writeCache());
