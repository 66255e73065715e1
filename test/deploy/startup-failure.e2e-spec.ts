import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { testEnv } from '../support/config';
import { unusedLoopbackPort } from '../support/unused-port';

const ENTRIES = {
  API: join(__dirname, '../../dist/apps/api/src/main.js'),
  worker: join(__dirname, '../../dist/apps/worker/src/main.js'),
};

/**
 * The API and the worker refuse to start without Postgres (a supervisor restarts them), and
 * say why in one line an operator can act on, not a stack trace.
 */
describe('Starting without Postgres', () => {
  it.each(Object.entries(ENTRIES))(
    'the %s should exit 1 with one line naming Postgres and what to check',
    async (name, entry) => {
      const port = await unusedLoopbackPort();
      const child = spawn(process.execPath, [entry], {
        env: {
          ...process.env,
          ...testEnv({
            DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/fleetcert`,
            FLEETCERT_LOG_LEVEL: 'warn',
          }),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];

      expect(code).toBe(1);
      // One line, then nothing: no stack.
      expect(stderr.split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^fleetcert ${name} failed to start: Postgres is unavailable: .*` +
              `Can't reach database server at 127\\.0\\.0\\.1:${port}.*\\. Check DATABASE_URL`,
          ),
        ),
        '',
      ]);
    },
    30_000,
  );
});
