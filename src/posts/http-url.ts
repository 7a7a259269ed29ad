/**
 * An absolute `http:` or `https:` URL: what a site, a hub or `SITE_URL` must be. In a module of its
 * own, so the worker can check its `SITE_URL` without bundling the schemas.
 */
export const isHttpUrl = (text: string): boolean => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
