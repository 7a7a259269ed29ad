/** `npm run check`: validates the data folder and prints every problem; exit 1 when any is an error. */
import { loadDataDir } from '../src/node/data-folder.ts';
import { readDataLimits } from '../src/node/data-limits.ts';
import { plural, problemReport } from '../src/posts/index.ts';

const dataDir = process.argv[2] ?? process.env.DATA_DIR ?? './data';
// The server's reader and limits, so that what passes here is what the server accepts.
const limits = readDataLimits(process.env);
if (limits.problems.length) {
  for (const problem of limits.problems) console.error(problem);
  process.exit(1);
}
const result = await loadDataDir(dataDir, { limits: limits.limits });
if (result.ok && result.problems.length === 0) {
  console.log(`${dataDir}: ${plural(result.dataset.posts.length, 'post')}, no problems.`);
} else {
  for (const line of problemReport(result.problems, result.postFiles)) console.error(line);
}
process.exit(result.ok ? 0 : 1);
