import type { Post } from '../posts/index.ts';

/**
 * A post's content as feeds and pages show it: the publisher's HTML with everything that could run
 * script removed. Which function gives it is the runtime's choice, passed in by whoever builds the app:
 * Node sanitises on first use (`sanitize.ts`); the worker bundles no sanitiser and reads the HTML that
 * `npm run build:data` sanitised.
 */
export type SafeContent = (post: Pick<Post, 'content'>) => string;

/**
 * `sanitize` run once per post object: the three feeds and the post's page share the work, and a new
 * data version (new post objects) starts afresh while the old results go with the old version. The
 * memory belongs to the function returned, so two apps never share it.
 */
export function oncePerPost(sanitize: (html: string) => string): SafeContent {
  const sanitized = new WeakMap<object, string>();
  return function safeContentOf(post) {
    let html = sanitized.get(post);
    if (html === undefined) sanitized.set(post, (html = sanitize(post.content)));
    return html;
  };
}
