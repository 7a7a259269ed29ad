import { bundle } from './generated/data.ts';
import { datasetFromBundle } from './posts/bundle.ts';
import { createWorker } from './worker-handler.ts';

/** Cloudflare Workers: the same app, its data bundled and validated at build time (`npm run build:data`). */
export default createWorker({ dataset: datasetFromBundle(bundle) });
