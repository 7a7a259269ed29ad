/**
 * The app and the feed model as the in-process tests build them: with the safe content Node serves
 * (each post sanitised on first use), so a test that is not about sanitising need not name it.
 */
import type { Hono } from 'hono';
import * as model from '../src/feeds/model.ts';
import type { FeedItem, FeedModel, FeedModelOptions, FeedScope } from '../src/feeds/model.ts';
import type { SafeContent } from '../src/feeds/safe-content.ts';
import { sanitizingOncePerPost } from '../src/feeds/sanitize.ts';
import * as http from '../src/http/app.ts';
import type { Dataset, Post, Site } from '../src/posts/index.ts';

export type { DataSource } from '../src/http/app.ts';

/** Node's safe content, shared by every test in a file: memoised per post object, so never stale. */
export const safeContent: SafeContent = sanitizingOncePerPost();

/** `createApp`'s options, the safe content optional. */
export type AppOptions = Omit<http.AppOptions, 'safeContent'> & { safeContent?: SafeContent };
export type AppInput = ({ dataset: Dataset } | { source: http.DataSource }) & { options?: AppOptions };

export function createApp(input: AppInput): Hono {
  const options = { safeContent, ...input.options };
  return 'source' in input ? http.createApp({ source: input.source, options }) : http.createApp({ dataset: input.dataset, options });
}

export const buildFeedModel = (site: Site, scope: FeedScope, options: Omit<FeedModelOptions, 'safeContent'>): FeedModel =>
  model.buildFeedModel(site, scope, { safeContent, ...options });

export const feedItem = (post: Post, baseUrl: string): FeedItem => model.feedItem(post, baseUrl, safeContent);
