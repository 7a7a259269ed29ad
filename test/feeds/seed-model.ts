/** What the renderer tests share: the seed post's stable facts and the model every format renders. */
import { PublishedPosts, siteScope, type FeedModel } from '../../src/feeds/model.ts';
import { buildFeedModel } from '../with-safe-content.ts';
import type { Dataset } from '../../src/posts/index.ts';

export const BASE = 'https://news.example.com';
/** Long after every fixture date: everything not scheduled far ahead is published. */
export const NOW = new Date('2030-01-01T00:00:00Z');
export const SEED_URL = `${BASE}/posts/national-engineering-research-center`;
export const SEED_ID = 'tag:wegogroup.com,2022-01-17:national-engineering-research-center';
export const SEED_TITLE =
  "WEGO's National Engineering Research Center becomes the first in its industry led by an enterprise";

/** The main feed's model of a dataset at NOW. */
export const modelOf = (data: Dataset, baseUrl = BASE): FeedModel =>
  buildFeedModel(data.site, siteScope(data.site, new PublishedPosts(data).at(NOW)), { baseUrl });
