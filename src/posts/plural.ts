/** `1 post`, `3 posts`: a count with its noun, for messages a publisher or a client reads. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
