/** What the server accepts from its data folder, and the environment variables that change it. */
export interface DataLimits {
  /** Largest `site.json` or post file, in bytes, checked before the file is read. */
  maxPostBytes: number;
  /** Deepest nesting of elements in a post's `content`. */
  maxHtmlDepth: number;
  /** Most elements (start tags) in a post's `content`. */
  maxHtmlElements: number;
  /** Follow links whose target lies outside the data folder. */
  allowExternalLinks: boolean;
}

export const DEFAULT_DATA_LIMITS: Readonly<DataLimits> = {
  maxPostBytes: 1_048_576,
  maxHtmlDepth: 256,
  maxHtmlElements: 20_000,
  allowExternalLinks: false,
};

/** The variable behind each limit, named in the problem line a post over it gets. */
export const LIMIT_SETTINGS = {
  maxPostBytes: 'MAX_POST_BYTES',
  maxHtmlDepth: 'MAX_HTML_DEPTH',
  maxHtmlElements: 'MAX_HTML_ELEMENTS',
  allowExternalLinks: 'ALLOW_EXTERNAL_LINKS',
} as const satisfies Record<keyof DataLimits, string>;

const WHOLE_NUMBER_RANGE: Record<'maxPostBytes' | 'maxHtmlDepth' | 'maxHtmlElements', [number, number]> = {
  maxPostBytes: [1, 1_073_741_824],
  maxHtmlDepth: [1, 100_000],
  maxHtmlElements: [1, 10_000_000],
};

/**
 * The limits from the environment: unset or empty means the default. Pure, so it is tested without a
 * process; a bad value is a one-line problem the entry prints before refusing to start.
 */
export function readDataLimits(env: Readonly<Record<string, string | undefined>>): { limits: DataLimits; problems: string[] } {
  const limits: DataLimits = { ...DEFAULT_DATA_LIMITS };
  const problems: string[] = [];
  for (const key of ['maxPostBytes', 'maxHtmlDepth', 'maxHtmlElements'] as const) {
    const name = LIMIT_SETTINGS[key];
    const setting = env[name]?.trim();
    if (!setting) continue;
    const [min, max] = WHOLE_NUMBER_RANGE[key];
    const value = Number(setting);
    if (!/^\d+$/.test(setting) || value < min || value > max) {
      problems.push(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(env[name])}`);
    } else limits[key] = value;
  }
  const external = env[LIMIT_SETTINGS.allowExternalLinks]?.trim();
  if (external === '1') limits.allowExternalLinks = true;
  else if (external && external !== '0') {
    problems.push(`${LIMIT_SETTINGS.allowExternalLinks}: expected 1 (follow links out of the data folder) or 0, got ${JSON.stringify(external)}`);
  }
  return { limits, problems };
}
