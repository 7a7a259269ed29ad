/** Settings a publisher gets wrong stop `npm start` with one line that says what to change, never a stack trace. */
import { afterAll, describe, expect, it } from 'vitest';
import { run, startServer, type RunningServer } from '../fixtures.ts';
import { SEED_DIR } from '../support.ts';

const STACK_FRAME = /^\s+at /m;
const startNode = (env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], { env: { DATA_DIR: SEED_DIR, HOST: '127.0.0.1', WATCH: '0', ...env } });

describe('starting the Node server with a bad setting', () => {
  let running: RunningServer | undefined;
  afterAll(() => running?.stop());

  it.each(['abc', '-1', '70000', '80.5'])('refuses PORT=%s', async (port) => {
    const result = await startNode({ PORT: port });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`PORT: expected a port number from 0 to 65535, got "${port}"`);
  });

  it('refuses a port already in use with the reason, not an unhandled error', async () => {
    running = await startServer({ DATA_DIR: SEED_DIR, WATCH: '0' });
    const port = new URL(running.url).port;
    const result = await startNode({ PORT: port });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
