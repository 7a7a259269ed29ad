/** `npm run check`: validates the data folder and prints every problem; exit 1 when any is an error. */
import { DataFolder } from '../src/node/data-folder.ts';
import { readDataLimits } from '../src/node/data-limits.ts';
import { formatProblem, summarizeProblems } from '../src/posts/index.ts';

const dataDir = process.argv[2] ?? process.env.DATA_DIR ?? './data';
// The server's reader and limits, so that what passes here is what the server accepts.
const limits = readDataLimits(process.env);
for (const problem of limits.problems) console.error(problem);
if (limits.problems.length) process.exit(1);
const result = await new DataFolder(dataDir, { limits: limits.limits }).load();
for (const problem of result.problems) console.error(formatProblem(problem));
if (result.ok && result.problems.length === 0) {
  const count = result.dataset.posts.length;
  console.log(`${dataDir}: ${count} post${count === 1 ? '' : 's'}, no problems.`);
} else {
  console.error(summarizeProblems(result.problems, result.postFiles));
}
process.exit(result.ok ? 0 : 1);
