import { bundle } from '../generated/data.ts';
import { primeSafeContent } from '../feeds/safe-content.ts';
import { datasetFromBundle } from '../posts/bundle.ts';
import { createWorker } from './edge-cache.ts';

/**
 * Cloudflare Workers: the same app, its data bundled, validated and sanitised at build time
 * (`npm run build:data`); each post's sanitised HTML goes straight into the feeds' cache.
 */
export default createWorker({ dataset: datasetFromBundle(bundle, { onSafeContent: primeSafeContent }) });
