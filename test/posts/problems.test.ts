import { describe, expect, it } from 'vitest';
import { problemReport, type Problem } from '../../src/posts/problems.ts';

describe('problemReport', () => {
  it('gives every problem on a line of its own, then the summary', () => {
    const problems: Problem[] = [
      { file: 'data/posts/board-meeting.json', path: 'published', message: 'expected an ISO 8601 date, got "yesterday"', severity: 'error' },
      { file: 'data/posts/new-plant.json', path: 'titel', message: 'unknown field (did you mean "title"?)', severity: 'warning' },
      { file: 'data/site.json', message: 'cannot be read (it does not exist)', severity: 'error' },
    ];
    expect(problemReport(problems, 14)).toEqual([
      'data/posts/board-meeting.json: published: expected an ISO 8601 date, got "yesterday"',
      'data/posts/new-plant.json: titel: unknown field (did you mean "title"?)   [warning]',
      'data/site.json: cannot be read (it does not exist)',
      '2 errors, 1 warning in 14 posts. The format is described in README.md#data-format.',
    ]);
  });

  it('is empty when there is nothing to report', () => {
    expect(problemReport([], 3)).toEqual([]);
  });
});
