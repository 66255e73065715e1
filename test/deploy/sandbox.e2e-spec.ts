import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { withDatabase } from '../db/test-database';

const SANDBOX = join(__dirname, '../../dist/scripts/sandbox.js');

/** `npm run sandbox` refuses a taken port before it touches anything. */
describe('npm run sandbox', () => {
  async function sandboxDatabaseOid(): Promise<string | null> {
    const { rows } = await withDatabase('postgres', (client) =>
      client.query<{ oid: string }>("SELECT oid::text FROM pg_database WHERE datname = 'fleetcert_sandbox'"),
    );
    return rows[0]?.oid ?? null;
  }

  it('should exit 1 naming the port when it is taken, leaving the sandbox database as it was', async () => {
    // Something else holds the port: here a listener that never answers, as a hung server would.
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const before = await sandboxDatabaseOid();
    try {
      const child = spawn(process.execPath, [SANDBOX], {
        env: { ...process.env, FLEETCERT_HTTP_PORT: String(port), FLEETCERT_HTTP_HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];

      expect({ code, output }).toEqual({
        code: 1,
        output: expect.stringContaining(`Port ${port} on 127.0.0.1 is already in use`),
      });
      // Recreating it would have dropped the database under whatever holds the port.
      expect(await sandboxDatabaseOid()).toBe(before);
    } finally {
      taken.close();
    }
  }, 30_000);
});
