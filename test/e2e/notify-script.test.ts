/** `npm run notify` as a process: the entry runs, prints, and sets the exit status. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, postRecord, removeDir, run, siteRecord } from '../fixtures.ts';
import { startRecordingHub, type RecordingHub } from '../node/recording-hub.ts';

describe('scripts/notify.ts as a process', () => {
  let hub: RecordingHub;
  let dir: string;
  beforeAll(async () => {
    hub = await startRecordingHub();
    dir = await makeDataDir({ site: siteRecord({ hub: hub.url }), posts: { first: postRecord() } });
  });
  afterAll(async () => {
    await hub.close();
    await removeDir(dir);
  });

  it('notifies the hub and exits 0, then 1 once the hub refuses', async () => {
    const args = ['--import', 'tsx', 'scripts/notify.ts', '--data', dir, '--state', path.join(dir, '.notify.json'), '--all'];
    const accepted = await run(process.execPath, args, { env: { SITE_URL: '' } });
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('6 accepted, 0 refused, 0 failed.');
    hub.answer = () => ({ status: 403, body: 'not yours' });
    const refused = await run(process.execPath, args, { env: { SITE_URL: '' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('403 Forbidden: not yours');
  });
});
