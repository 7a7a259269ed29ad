/** `npm run check`: validates the data folder and prints every problem; exit 1 when any is an error. */
import { loadDataDir } from '../src/node/data-folder.ts';
import { dataLimitsOrExit } from './data-limits.ts';
import { plural, problemReport } from '../src/posts/index.ts';

const dataDir = process.argv[2] ?? process.env.DATA_DIR ?? './data';
// The server's reader and limits, so that what passes here is what the server accepts.
const result = await loadDataDir(dataDir, { limits: dataLimitsOrExit() });
if (result.ok && result.problems.length === 0) {
  console.log(`${dataDir}: ${plural(result.dataset.posts.length, 'post')}, no problems.`);
} else {
  for (const line of problemReport(result.problems, result.postFiles)) console.error(line);
}
process.exit(result.ok ? 0 : 1);
