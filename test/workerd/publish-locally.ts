/** `npm run publish` into the local R2 of a worker copy that `startWorker({ dataSource: 'r2' })` serves. */
import { run } from '../fixtures.ts';
import { QUIET_WRANGLER, R2_BUCKET } from './start-worker.ts';

/** `npm run publish -- DIR --local --persist-to STATE`, as a publisher runs it. */
export async function publishLocally(dataDir: string, persistTo: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'scripts/publish.ts', dataDir, '--local', '--persist-to', persistTo, '--bucket', R2_BUCKET], {
    env: QUIET_WRANGLER,
  });
}

/** The counts the command's last line reports. */
export function uploadedCounts(stdout: string): { bodies: number; media: number; unchangedBodies: number } | undefined {
  const match = /uploaded (\d+) post bod(?:y|ies), (\d+) media files? and the index; (\d+) post bod(?:y|ies)/.exec(stdout);
  return match ? { bodies: Number(match[1]), media: Number(match[2]), unchangedBodies: Number(match[3]) } : undefined;
}
