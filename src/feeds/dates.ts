/** RFC 3339 (Atom, JSON Feed): `2022-01-17T00:00:00Z`, milliseconds only when they are not zero. */
export const rfc3339 = (date: Date): string => date.toISOString().replace('.000Z', 'Z');

/** RFC 822 as RSS 2.0 wants it, with a four-digit year: `Mon, 17 Jan 2022 00:00:00 GMT`. */
export const rfc822 = (date: Date): string => date.toUTCString();
