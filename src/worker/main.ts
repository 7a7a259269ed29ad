import { bundle } from '../generated/data.ts';
import { bundledData } from './bundled-data.ts';
import { createWorker } from './edge-cache.ts';

/**
 * Cloudflare Workers: the same app, its data bundled, validated and sanitised at build time
 * (`npm run build:data`); each post's sanitised HTML is its safe content.
 */
export default createWorker(bundledData(bundle));
