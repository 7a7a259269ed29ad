import sanitizeHtml from 'sanitize-html';
import { oncePerPost, type SafeContent } from './safe-content.ts';

/** Schemes a link or an embedded file may use; anything else (`javascript:`, `vbscript:`, `data:`…) is dropped. */
const LINK_SCHEMES = ['http', 'https', 'mailto', 'tel'];
/** Raster and vector images shown by `<img>` cannot run script, so an inline `data:image/…` picture may stay. */
const INLINE_IMAGE = /^\s*data:image\/[a-z0-9.+-]+[;,]/i;

/**
 * What survives of a publisher's HTML, in feeds and on our pages alike. One policy, read top to bottom:
 *
 * - **Tags kept**: text structure and semantics (sanitize-html's default list: headings, paragraphs, lists,
 *   tables, quotes, `a`, `code`, `pre`, `figure`…) plus images and media (`img`, `picture`, `source`,
 *   `video`, `audio`, `track`) and `del`, `ins`, `details`, `summary`. Any other tag is removed and its
 *   text kept, except `script`, `style`, `iframe`, `object`, `embed`, `noscript`, `template`, `textarea`,
 *   `option`, `xmp` and `title`, which go with everything inside them: their content is code or fallback,
 *   never words the publisher meant to show.
 * - **Attributes kept**: `lang`, `dir`, `title` and `id` everywhere; per tag only what describes content
 *   (`href` on `a`, `src`/`srcset`/`alt`/`width`/`height` on `img`, `colspan` on cells, `datetime` on
 *   `time`…). Never `on*` event handlers, never `style` (a reader that honours it can be made to overlay
 *   its own interface), never `class` (it means nothing outside the publisher's own stylesheet).
 * - **URLs** in `href`, `src`, `srcset`, `poster` and `cite` must be relative or use http, https, mailto or
 *   tel. A URL with another scheme — `javascript:`, `vbscript:`, `data:`, also when hidden by entities,
 *   case or control characters — is removed with its attribute. The one exception: `img src` may be a
 *   `data:image/…` URL, which cannot run script.
 * - **Relative URLs are kept as written**: `feedItem` resolves them afterwards (`absolute-urls.ts`), after
 *   sanitising, so that every URL it resolves has already been checked.
 * - **Text** comes out with `&`, `<`, `>` escaped and every other character reference decoded to its
 *   character (`&nbsp;` becomes U+00A0), so the result is valid in XML, which has no `&nbsp;`. Comments
 *   are dropped.
 */
export const CONTENT_POLICY: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
    'img',
    'picture',
    'source',
    'video',
    'audio',
    'track',
    'del',
    'ins',
    'details',
    'summary',
  ],
  nonTextTags: ['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template', 'textarea', 'option', 'xmp', 'title'],
  disallowedTagsMode: 'discard',
  allowedAttributes: {
    '*': ['lang', 'dir', 'title', 'id'],
    a: ['href', 'hreflang', 'rel', 'type', 'download'],
    img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading', 'decoding'],
    picture: [],
    source: ['src', 'srcset', 'sizes', 'type', 'media', 'width', 'height'],
    video: ['src', 'poster', 'width', 'height', 'controls', 'loop', 'muted', 'playsinline', 'preload'],
    audio: ['src', 'controls', 'loop', 'muted', 'preload'],
    track: ['src', 'kind', 'srclang', 'label', 'default'],
    blockquote: ['cite'],
    q: ['cite'],
    del: ['cite', 'datetime'],
    ins: ['cite', 'datetime'],
    time: ['datetime'],
    data: ['value'],
    abbr: ['title'],
    ol: ['start', 'reversed', 'type'],
    li: ['value'],
    td: ['colspan', 'rowspan', 'headers'],
    th: ['colspan', 'rowspan', 'headers', 'scope', 'abbr'],
    col: ['span'],
    colgroup: ['span'],
    details: ['open'],
  },
  allowedSchemes: LINK_SCHEMES,
  // `img` may also take data:, narrowed to data:image/… by the transform below.
  allowedSchemesByTag: { img: [...LINK_SCHEMES, 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster'],
  allowProtocolRelative: true,
  transformTags: {
    img: (tagName, attribs) => {
      const src = attribs.src;
      if (src !== undefined && /^\s*data:/i.test(src) && !INLINE_IMAGE.test(src)) {
        const { src: _dropped, ...rest } = attribs;
        return { tagName, attribs: rest };
      }
      return { tagName, attribs };
    },
  },
  parseStyleAttributes: false,
};

/** The publisher's HTML with everything that could run script removed: see {@link CONTENT_POLICY}. */
export const sanitizeContent = (html: string): string => sanitizeHtml(html, CONTENT_POLICY);

/**
 * Node's safe content: each post sanitised on first use, once per post object. A new one per app, so the
 * memory goes with the app that made it.
 */
export const sanitizingOncePerPost = (): SafeContent => oncePerPost(sanitizeContent);
