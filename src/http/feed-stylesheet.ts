import { escapeAttribute, escapeText } from '../feeds/xml-escape.ts';

/**
 * The XSLT 1.0 stylesheet RSS and Atom name in `<?xml-stylesheet?>`, so a person who opens a feed in a
 * browser sees a page (the feed's title and description, how to subscribe, the posts with their dates)
 * instead of markup. One stylesheet serves both formats: every path selects the RSS and the Atom node
 * (`title | atom:title`). Its page uses our stylesheet and nothing else: no script, no inline style, so
 * the feeds' Content-Security-Policy, which Chromium applies to the result, lets it render.
 *
 * Browsers are retiring XSLT; where it is gone the feed still reads as a feed, and our HTML pages
 * (which every feed links to) are the human view.
 */
export function feedStylesheet(baseUrl: string, siteTitle: string): string {
  const home = escapeAttribute(`${baseUrl}/`);
  const css = escapeAttribute(`${baseUrl}/style.css`);
  return `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="utf-8" indent="no" doctype-system="about:legacy-compat"/>

<xsl:variable name="short-months" select="'JanFebMarAprMayJunJulAugSepOctNovDec'"/>
<!-- Nine characters a month, so one substring finds each. -->
<xsl:variable name="long-months" select="'January  February March    April    May      June     July     August   SeptemberOctober  November December '"/>

<xsl:template match="/">
  <xsl:apply-templates select="rss/channel | atom:feed"/>
</xsl:template>

<xsl:template match="channel | atom:feed">
  <xsl:variable name="title" select="string(title | atom:title)"/>
  <xsl:variable name="format">
    <xsl:choose><xsl:when test="self::atom:feed">Atom</xsl:when><xsl:otherwise>RSS</xsl:otherwise></xsl:choose>
  </xsl:variable>
  <html lang="{language | @xml:lang}">
  <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <title><xsl:value-of select="$title"/> (<xsl:value-of select="$format"/> feed)</title>
    <link rel="stylesheet" href="${css}"/>
    <link rel="icon" href="data:,"/>
  </head>
  <body>
    <header class="site"><a class="site-title" href="${home}">${escapeText(siteTitle)}</a></header>
    <main>
      <aside class="feed-notice">
        <p><strong>This is a web feed</strong> (<xsl:value-of select="$format"/>). To follow it, copy its address into your feed reader:</p>
        <p><code class="feed-url"><xsl:value-of select="atom:link[@rel='first']/@href | atom:link[@rel='self'][not(../atom:link[@rel='first'])]/@href"/></code></p>
        <p>Or read <a href="{link | atom:link[@rel='alternate' and @type='text/html']/@href}">these posts on the website</a>.</p>
      </aside>
      <h1><xsl:value-of select="$title"/></h1>
      <p class="lede"><xsl:value-of select="description | atom:subtitle"/></p>
      <ol class="posts">
        <xsl:apply-templates select="item | atom:entry"/>
      </ol>
      <xsl:if test="atom:link[@rel='previous'] or atom:link[@rel='next']">
        <nav class="pager" aria-label="Pages">
          <xsl:if test="atom:link[@rel='previous']"><a rel="prev" href="{atom:link[@rel='previous']/@href}">Newer posts</a></xsl:if>
          <xsl:if test="atom:link[@rel='next']"><a rel="next" href="{atom:link[@rel='next']/@href}">Older posts</a></xsl:if>
        </nav>
      </xsl:if>
    </main>
  </body>
  </html>
</xsl:template>

<xsl:template match="item | atom:entry">
  <li><article>
    <h2><a href="{link | atom:link[@rel='alternate']/@href}"><xsl:value-of select="title | atom:title"/></a></h2>
    <p class="meta"><xsl:call-template name="date"><xsl:with-param name="value" select="string(pubDate | atom:published)"/></xsl:call-template></p>
    <p><xsl:value-of select="description | atom:summary"/></p>
  </article></li>
</xsl:template>

<!-- RFC 822 (RSS: "Mon, 17 Jan 2022 00:00:00 GMT") or RFC 3339 (Atom: "2022-01-17T00:00:00Z"),
     shown as the HTML pages show dates: "17 January 2022". -->
<xsl:template name="date">
  <xsl:param name="value"/>
  <xsl:variable name="rest" select="normalize-space(substring-after($value, ','))"/>
  <xsl:variable name="year">
    <xsl:choose>
      <xsl:when test="$rest"><xsl:value-of select="substring-before(substring-after(substring-after($rest, ' '), ' '), ' ')"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="substring($value, 1, 4)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="month">
    <xsl:choose>
      <xsl:when test="$rest"><xsl:value-of select="string-length(substring-before($short-months, substring(substring-after($rest, ' '), 1, 3))) div 3 + 1"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="number(substring($value, 6, 2))"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="day">
    <xsl:choose>
      <xsl:when test="$rest"><xsl:value-of select="number(substring-before($rest, ' '))"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="number(substring($value, 9, 2))"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <time datetime="{$year}-{format-number($month, '00')}-{format-number($day, '00')}">
    <xsl:value-of select="concat($day, ' ', normalize-space(substring($long-months, ($month - 1) * 9 + 1, 9)), ' ', $year)"/>
  </time>
</xsl:template>

</xsl:stylesheet>
`;
}
