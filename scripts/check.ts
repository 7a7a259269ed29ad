/** `npm run check`: validates the data folder and prints every problem; exit 1 when any is an error. */
import { loadDataDir } from '../src/node/data-dir.ts';
import { formatProblem, summarizeProblems } from '../src/posts/index.ts';

const dataDir = process.argv[2] ?? process.env.DATA_DIR ?? './data';
const result = await loadDataDir(dataDir);
for (const problem of result.problems) console.error(formatProblem(problem));
if (result.ok && result.problems.length === 0) {
  const count = result.dataset.posts.length;
  console.log(`${dataDir}: ${count} post${count === 1 ? '' : 's'}, no problems.`);
} else {
  console.error(summarizeProblems(result.problems, result.postFiles));
}
process.exit(result.ok ? 0 : 1);
