import { plural } from './plural.ts';

/** One thing wrong with the data, as a publisher reads it: which file, which field, what was expected. */
export interface Problem {
  file: string;
  /** Dot path of the field (`authors.1.name`); absent when the problem is the whole file. */
  path?: string;
  message: string;
  severity: 'error' | 'warning';
}

/** `data/posts/foo.json: title: expected a non-empty string, got 42` */
export function formatProblem(problem: Problem): string {
  const where = problem.path ? `${problem.file}: ${problem.path}: ` : `${problem.file}: `;
  return where + problem.message + (problem.severity === 'warning' ? '   [warning]' : '');
}

/** `2 errors, 1 warning in 14 posts. The format is described in README.md#data-format.` */
export function summarizeProblems(problems: readonly Problem[], postCount: number): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return (
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(postCount, 'post')}.` +
    ' The format is described in README.md#data-format.'
  );
}

/**
 * What a publisher reads on the terminal: every problem on a line of its own, then the summary; no
 * lines when there is no problem. The callers print them to stderr.
 */
export function problemReport(problems: readonly Problem[], postCount: number): string[] {
  if (problems.length === 0) return [];
  return [...problems.map(formatProblem), summarizeProblems(problems, postCount)];
}

/** The value a publisher wrote, short enough for one line: `42`, `"yesterday"`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}
