/**
 * Each post's content as feeds and pages show it, sanitised once per post object: the three feeds and
 * the post's page share the work, and a new data version (new post objects) starts afresh while the old
 * results go with the old version. Which sanitiser runs is the runtime's choice (see package.json
 * `imports`, `#safe-content`): Node sanitises on first use; the worker bundles no sanitiser, because
 * `npm run build:data` sanitised every post already and `src/worker/main.ts` hands the results in here.
 */
const sanitized = new WeakMap<object, string>();

/** Records HTML sanitised elsewhere (at build time) as this post's safe content. */
export function primeSafeContent(post: object, html: string): void {
  sanitized.set(post, html);
}

/** `safeContentOf` over the shared cache, sanitising a post not seen yet with `sanitize`. */
export function safeContentWith(sanitize: (html: string) => string): (post: { readonly content: string }) => string {
  return function safeContentOf(post) {
    let html = sanitized.get(post);
    if (html === undefined) sanitized.set(post, (html = sanitize(post.content)));
    return html;
  };
}
