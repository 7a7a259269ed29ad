import { createRequire } from 'node:module';
import type MarkdownIt from 'markdown-it';

/**
 * Loaded and made on first use: a data folder without Markdown never pays for loading the parser (as
 * much CPU as reading a few thousand posts) nor for its set-up. Required, not imported, because the first
 * use is synchronous; the package's CommonJS build is the same code as its ES module.
 */
let renderer: InstanceType<typeof MarkdownIt> | undefined;

/**
 * CommonMark to HTML, for posts with `"format": "markdown"`. The CommonMark preset, so a post reads
 * the same as in any other CommonMark tool; it allows raw HTML, which is safe here because every
 * post's HTML, rendered or written, goes through the same sanitiser before a reader sees it
 * (src/feeds/sanitize.ts). Node and build time only: the worker gets posts already rendered and
 * sanitised (src/posts/bundle.ts), so markdown-it never reaches its bundle.
 */
export function renderMarkdown(markdown: string): string {
  if (!renderer) {
    const MarkdownItClass = createRequire(import.meta.url)('markdown-it') as typeof MarkdownIt;
    renderer = new MarkdownItClass('commonmark');
  }
  return renderer.render(markdown);
}
