import MarkdownIt from 'markdown-it';

/** Made on first use: a data folder without Markdown never pays for the parser's set-up. */
let renderer: InstanceType<typeof MarkdownIt> | undefined;

/**
 * CommonMark to HTML, for posts with `"format": "markdown"`. The CommonMark preset, so a post reads
 * the same as in any other CommonMark tool; it allows raw HTML, which is safe here because every
 * post's HTML, rendered or written, goes through the same sanitiser before a reader sees it
 * (src/feeds/sanitize.ts). Node and build time only: the worker gets posts already rendered and
 * sanitised (src/posts/bundle.ts), so markdown-it never reaches its bundle.
 */
export function renderMarkdown(markdown: string): string {
  renderer ??= new MarkdownIt('commonmark');
  return renderer.render(markdown);
}
