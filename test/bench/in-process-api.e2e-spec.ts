import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INTERRUPTED_EXIT_CODE } from '../../bench/support/on-interrupt';
import { databaseExists } from '../db/test-database';
import { countRedisKeys } from '../support/redis-keys';

// A micro-benchmark (bench/micro, on `withInProcessApi`) interrupted with Ctrl-C or a
// SIGTERM still drops its database and deletes its Redis keys: Node's default on those
// signals exits at once, past every `finally`.

const ROOT = join(__dirname, '../..');
const FIXTURE = 'test/bench/fixtures/interrupted-micro-benchmark.ts';

interface Started {
  child: ChildProcess;
  database: string;
  redisUrl: string;
  redisPrefix: string;
}

/** Runs the fixture as `npm run`'s benchmarks run, and waits for its API to be up. */
async function startFixture(): Promise<Started> {
  const child = spawn(process.execPath, ['bench/run.mjs', FIXTURE], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the fixture exited (${code}) before it started:\n${stderr}`);
  });
  const firstLine = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line.startsWith('{')) return JSON.parse(line) as Omit<Started, 'child'>;
    }
    throw new Error('the fixture printed no JSON line');
  })();
  const started = await Promise.race([firstLine, exited]);
  return { child, ...started };
}

describe('an interrupted micro-benchmark', () => {
  jest.setTimeout(120_000);
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'should drop its database and delete its Redis keys on %s',
    async (signal) => {
      const { child, database, redisUrl, redisPrefix } = await startFixture();
      children.push(child);
      expect(await databaseExists(database)).toBe(true);
      expect(await countRedisKeys(redisUrl, redisPrefix)).toBeGreaterThan(0);

      const exit = once(child, 'exit');
      child.kill(signal);
      const [code, killedBy] = await exit;

      expect(await databaseExists(database)).toBe(false);
      expect(await countRedisKeys(redisUrl, redisPrefix)).toBe(0);
      expect({ code, killedBy }).toEqual({ code: INTERRUPTED_EXIT_CODE, killedBy: null });
    },
  );
});
