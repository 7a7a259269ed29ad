/** Our only stylesheet, for the HTML pages and for feeds as the XSLT stylesheet shows them. */
export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5f6368;--bg:#fff;--panel:#f3f5f8;--line:#dadce0;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#9aa0a6;--bg:#121212;--panel:#1e2125;--line:#3c4043;--accent:#8ab4f8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:1.05rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
header.site,main,footer.site{max-width:44rem;margin:0 auto;padding:1rem}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;justify-content:space-between;align-items:baseline;border-bottom:1px solid var(--line)}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;margin-top:2rem}
.site-title{font-weight:700;font-size:1.2rem;text-decoration:none;color:var(--fg)}
header.site nav a{margin-left:.75rem;font-size:.9rem}
a{color:var(--accent);text-underline-offset:.15em}
a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
h1{line-height:1.2;margin:.5rem 0}
.eyebrow{margin:1rem 0 0;color:var(--muted);font-size:.85rem;text-transform:uppercase;letter-spacing:.06em}
.posts{list-style:none;padding:0}
.posts li{margin:0 0 2rem}
.posts h2{margin:0 0 .25rem;font-size:1.3rem;line-height:1.3}
.posts p{margin:.25rem 0}
.meta,.lede{color:var(--muted)}
.meta{font-size:.9rem;margin:.25rem 0}
.meta a{color:inherit}
.categories{margin:.5rem 0}
.category{display:inline-block;border:1px solid var(--line);border-radius:1rem;padding:0 .6rem;font-size:.85rem;text-decoration:none;margin:0 .25rem .25rem 0}
a.category:hover{border-color:var(--accent)}
.topics h2{font-size:1.1rem;margin:2rem 0 .5rem}
.topics ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
.topics .count{color:var(--muted);font-size:.85rem}
.feed-notice{background:var(--panel);border:1px solid var(--line);border-radius:.5rem;padding:.25rem 1rem;margin:1rem 0}
.feed-url{display:block;padding:.5rem;background:var(--bg);border:1px solid var(--line);border-radius:.25rem;overflow-x:auto;white-space:nowrap;user-select:all}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:2rem 0}
.pager a[rel=next]{margin-left:auto}
.posts article.with-image{display:grid;grid-template-columns:minmax(0,1fr) 9rem;gap:0 1rem;align-items:start}
.posts .thumb{display:block;width:100%;aspect-ratio:4/3;object-fit:cover;border-radius:.25rem;background:var(--panel);margin-top:.35rem}
.lead{margin:1rem 0 1.5rem}
.lead img{display:block;width:100%;height:auto;aspect-ratio:auto 16/9;object-fit:contain;border-radius:.25rem;background:var(--panel)}
.unpublished{display:inline-block;border:1px solid currentColor;border-radius:.25rem;padding:0 .4rem;margin-right:.25rem;font-size:.8rem;color:#b3261e}
@media (prefers-color-scheme:dark){.unpublished{color:#f2b8b5}}
.reason{font-size:1.1rem}
.content img,.content video{max-width:100%;height:auto}
.content figure{margin:1.5rem 0}
.content figcaption{color:var(--muted);font-size:.9rem}
.content pre{overflow-x:auto;background:var(--panel);padding:.75rem 1rem;border-radius:.25rem}
.content blockquote{margin:1rem 0;padding:0 1rem;border-left:3px solid var(--line);color:var(--muted)}
/* Chromium's XSLT deprecation notice: the feed's CSP blocks its inline style, so ours docks it at the foot. */
xslt-warning-banner{inset:auto 0 0 0;margin:0;width:auto;max-width:none;border:0;border-top:1px solid var(--line);background:var(--panel);color:var(--fg);padding:.5rem 1rem;font-size:.85rem}
xslt-warning-banner a{color:var(--accent)}
@media (max-width:30rem){body{font-size:1rem}header.site nav a{margin:0 .75rem 0 0}.posts h2{font-size:1.15rem}.posts article.with-image{grid-template-columns:minmax(0,1fr) 6rem}}
`;
