/** Posts written in Markdown: rendered once at load, then HTML like any other post all the way down. */
import { describe, expect, it } from 'vitest';
import { absoluteUrlsInHtml } from '../../src/feeds/absolute-urls.ts';
import { safeContent as safeContentOf } from '../with-safe-content.ts';
import { bundleDataset } from '../../src/posts/bundle.ts';
import { renderMarkdown } from '../../src/posts/markdown.ts';
import { loadDataset } from '../../src/posts/load.ts';
import { formatProblem } from '../../src/posts/problems.ts';
import { dataInput, dataset, postRecord } from '../fixtures.ts';

const MARKDOWN = [
  '# Board meeting',
  '',
  'The board met *on Monday* and **agreed**. See [the plan](../media/plan.pdf),',
  '[last year](/posts/last-year) and [the site](https://example.com/).',
  '',
  'Run `npm start`:',
  '',
  '```sh',
  'npm start',
  '```',
  '',
  '<script>alert(1)</script>',
  '',
  '![The plant](../media/plant.png)',
  '',
].join('\n');

const markdownPost = (overrides: Record<string, unknown> = {}) =>
  postRecord({ format: 'markdown', content: MARKDOWN, ...overrides });

const MEDIA = { 'plan.pdf': 'pdf', 'plant.png': 'png' };

async function loadedPost(record: Record<string, unknown>) {
  const data = await dataset({ posts: { 'board-meeting': record, 'last-year': postRecord() }, media: MEDIA });
  const post = data.posts.find((p) => p.slug === 'board-meeting');
  if (!post) throw new Error('board-meeting did not load');
  return { data, post };
}

describe('posts with "format": "markdown"', () => {
  it('are rendered to HTML when they are loaded: headings, emphasis, links, code', async () => {
    const { post } = await loadedPost(markdownPost());
    expect(post.content).toContain('<h1>Board meeting</h1>');
    expect(post.content).toContain('The board met <em>on Monday</em> and <strong>agreed</strong>.');
    expect(post.content).toContain('<a href="../media/plan.pdf">the plan</a>');
    expect(post.content).toContain('<a href="/posts/last-year">last year</a>');
    expect(post.content).toContain('<code>npm start</code>');
    expect(post.content).toContain('<pre><code class="language-sh">npm start\n</code></pre>');
    expect(post.content).toContain('<img src="../media/plant.png" alt="The plant" />');
    expect(post).not.toHaveProperty('format');
  });

  it('keep raw HTML for the sanitiser, which removes a script like any other', async () => {
    const { post } = await loadedPost(markdownPost());
    expect(post.content).toContain('<script>alert(1)</script>');
    const safe = safeContentOf(post);
    expect(safe).not.toContain('script');
    expect(safe).not.toContain('alert');
    expect(safe).toContain('<h1>Board meeting</h1>');
  });

  it('have their relative links resolved against the post, like HTML posts', async () => {
    const { post } = await loadedPost(markdownPost());
    const html = absoluteUrlsInHtml(safeContentOf(post), 'https://news.example.com/posts/board-meeting', 'https://news.example.com');
    expect(html).toContain('<a href="https://news.example.com/media/plan.pdf">the plan</a>');
    expect(html).toContain('<a href="https://news.example.com/posts/last-year">last year</a>');
    expect(html).toContain('src="https://news.example.com/media/plant.png"');
  });

  it('render markdown-it\'s refused link schemes as text, never as a link', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).toBe('<p>[x](javascript:alert(1))</p>\n');
  });

  it('reach the worker bundle as rendered, sanitised HTML', async () => {
    const { data } = await loadedPost(markdownPost());
    const bundled = bundleDataset(data, { safeContentOf }).posts.find((p) => p.slug === 'board-meeting');
    expect(bundled?.safeContent).toContain('<h1>Board meeting</h1>');
    expect(bundled).not.toHaveProperty('format');
  });

  it('leave HTML posts as written, "html" being the default', async () => {
    const html = '<p>*not emphasis*</p>';
    expect((await loadedPost(postRecord({ content: html }))).post.content).toBe(html);
    expect((await loadedPost(postRecord({ content: html, format: 'html' }))).post.content).toBe(html);
    expect((await loadedPost(postRecord({ content: '*a*', format: 'html' }))).post.content).toBe('*a*');
  });

  it('name any other format as an error', async () => {
    const result = await loadDataset(dataInput({ posts: { foo: postRecord({ format: 'md' }) } }));
    expect(result.problems.map(formatProblem)).toEqual([
      'data/posts/foo.json: format: expected either "html" or "markdown", got "md"',
    ]);
  });
});
