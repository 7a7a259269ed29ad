/** `npm run publish` into the local R2 of a worker copy that `startWorker({ dataSource: 'r2' })` serves. */
import { run } from '../fixtures.ts';
import { QUIET_WRANGLER, R2_BUCKET } from './start-worker.ts';

/** `npm run publish -- DIR --local --persist-to STATE [more]`, as a publisher runs it. */
export async function publishLocally(
  dataDir: string,
  persistTo: string,
  more: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'scripts/publish.ts', dataDir, '--local', '--persist-to', persistTo, '--bucket', R2_BUCKET, ...more], {
    env: QUIET_WRANGLER,
  });
}

/** The counts the command's last line reports. */
export function uploadedCounts(
  stdout: string,
): { bodies: number; media: number; parts: number; objects: number; bytes: number; unchangedBodies: number } | undefined {
  const match =
    /uploaded (\d+) post bod(?:y|ies), (\d+) media files?, (\d+) index parts? and the manifest \((\d+) objects?, (\d+) bytes? with the pointer\); (\d+) post bod(?:y|ies)/.exec(
      stdout,
    );
  if (!match) return undefined;
  const [bodies, media, parts, objects, bytes, unchangedBodies] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return { bodies, media, parts, objects, bytes, unchangedBodies };
}
