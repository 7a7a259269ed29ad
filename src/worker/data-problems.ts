import { textResponse } from '../http/respond.ts';

/**
 * The worker `npm run dev:worker` runs while the data has errors: every request is answered at once
 * with the problem report (503, `Retry-After: 1`), so the publisher reads what to fix in the browser,
 * and a reload after the fix shows the site. `wrangler deploy` never builds it: there, errors fail the build.
 */
export function dataProblemsWorker(problems: readonly string[]) {
  const message = ['The data has errors; fix them and this page will show the site.', '', ...problems].join('\n');
  return {
    fetch(): Response {
      return textResponse(message, 503, { 'Retry-After': '1' });
    },
  };
}
