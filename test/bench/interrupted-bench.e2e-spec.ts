import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REDIS_URL } from '../../bench/support/bench-stack';
import { INTERRUPTED_EXIT_CODE } from '../../bench/support/on-interrupt';
import { isRunning, processTree } from '../../bench/support/proc';
import { databaseExists } from '../db/test-database';
import { waitFor } from '../support/wait-for';
import { countRedisKeys } from '../support/redis-keys';

// `npm run bench` and `npm run bench:scale` sent a SIGTERM (as `kill` or a supervisor
// sends it, to the benchmark's process alone) take down everything they started: every
// database with its Redis keys, the fleet-scale part's API and worker, Pebble, BIND9 and
// the load generator. Before, the fleet-scale part's database (the whole seeded fleet) and
// its two processes outlived the run.

const ROOT = join(__dirname, '../..');

/** A database the benchmark printed: `<name> (Redis keys under <prefix>:)`. */
interface PrintedDatabase {
  name: string;
  redisPrefix: string;
}

const DATABASE_LINE = /(fleetcert_bench_\w+) \(Redis keys under ([\w-]+):\)/;

/** Runs a benchmark as `npm run` does; `lines` yields its standard output line by line. */
function startBenchmark(args: string[]): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.resume();
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

/** Reads lines until one matches; every database line read on the way is collected. */
async function readUntil(
  lines: AsyncIterator<string>,
  pattern: RegExp,
  databases: PrintedDatabase[],
): Promise<string> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the benchmark ended before printing ${pattern}`);
    const printed = DATABASE_LINE.exec(value);
    if (printed) databases.push({ name: printed[1], redisPrefix: printed[2] });
    if (pattern.test(value)) return value;
  }
}

async function leftBehind(databases: PrintedDatabase[]): Promise<string[]> {
  const left: string[] = [];
  for (const db of databases) {
    if (await databaseExists(db.name)) left.push(`database ${db.name}`);
    const keys = await countRedisKeys(REDIS_URL, db.redisPrefix);
    if (keys > 0) left.push(`${keys} Redis keys under ${db.redisPrefix}`);
  }
  return left;
}

describe('an interrupted benchmark', () => {
  jest.setTimeout(180_000);
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

  it('should take down the fleet-scale part of npm run bench: its database, API and worker, and the peers', async () => {
    const { child, lines } = startBenchmark([
      'bench/run.mjs',
      'bench/main.ts',
      '--parts',
      'scale',
      '--devices',
      '2000',
    ]);
    children.push(child);
    const databases: PrintedDatabase[] = [];
    // The first query's line: the part's database is seeded, its API and worker are up,
    // and the load generator is on the next query.
    await readUntil(lines, /^\[[\d:]+\] scale: fleet status:/, databases);
    expect(databases.map((db) => db.name)).toEqual([
      expect.stringMatching(/^fleetcert_bench_main_/),
      expect.stringMatching(/^fleetcert_bench_scale_/),
    ]);
    expect(await databaseExists(databases[1].name)).toBe(true);
    expect(await countRedisKeys(REDIS_URL, databases[1].redisPrefix)).toBeGreaterThan(0);
    // Pebble, BIND9, the stack's API and the part's API and worker (each with its
    // children), and wrk.
    const processes = processTree(child.pid!).slice(1).filter(isRunning);
    expect(processes.length).toBeGreaterThanOrEqual(5);

    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, killedBy] = await exit;

    expect({ code, killedBy }).toEqual({ code: INTERRUPTED_EXIT_CODE, killedBy: null });
    expect(await leftBehind(databases)).toEqual([]);
    // The benchmark waited for each of them; an orphan is reaped by init a moment later.
    await waitFor(
      async () => processes.filter(isRunning),
      (running) => running.length === 0,
      { what: `the benchmark's processes ${processes.join(', ')} to be gone`, timeoutMs: 5_000 },
    );
  });

  it('should drop the seeded fleet of npm run bench:scale', async () => {
    const { child, lines } = startBenchmark([
      '--expose-gc',
      'bench/run.mjs',
      'bench/fleet-scale.ts',
      '--devices',
      '2000',
    ]);
    children.push(child);
    const databases: PrintedDatabase[] = [];
    await readUntil(lines, /^seeded in /, databases);
    expect(databases).toHaveLength(1);
    // The scheduler pass that follows the seeding enqueues the due renewals.
    await waitFor(
      () => countRedisKeys(REDIS_URL, databases[0].redisPrefix),
      (keys) => keys > 0,
      { what: 'the renewal jobs in Redis', timeoutMs: 60_000 },
    );

    const exit = once(child, 'exit');
    child.kill('SIGINT');
    const [code, killedBy] = await exit;

    expect({ code, killedBy }).toEqual({ code: INTERRUPTED_EXIT_CODE, killedBy: null });
    expect(await leftBehind(databases)).toEqual([]);
  });
});
