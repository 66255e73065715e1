// The rate-limit settlement before every new order (RateLimitRepository.apply, the SQL
// function fleetcert_apply_buckets) with N callers at once, as N orders of one or more
// workers reach it together. Every new order spends from the account's bucket and the
// fleet zone's registered-domain bucket, so all callers meet on those two rows:
//
//   node bench/run.mjs bench/micro/rate-limit-settlement.ts [settlements, default 3000] [callers, default 1,8,32]
//
// Real Postgres, a database of its own (dropped afterwards). Each settlement is a new
// device's first order under the fleet zone (Let's Encrypt's limits, with capacities large
// enough that none is refused). Prints, for each number of callers, the wall time and the
// Postgres backends' CPU (from /proc, every backend of the pool) per settlement, over three
// rounds after a warm-up round; the bucket rows' versions accumulate from round to round,
// as they do between autovacuum's visits.
import { randomBytes } from 'node:crypto';
import { createPgPool, createPrismaClientOnPool, RateLimitRepository, schemaOf } from '@fleetcert/db';
import { CaRateLimits, LETS_ENCRYPT, newOrderTransactions } from '@fleetcert/ratelimit';
import { isolatedDatabase } from '../../test/support/isolated-database';
import { cpuSeconds } from '../support/proc';

const SETTLEMENTS = Number(process.argv[2] ?? 3000);
const CALLERS = (process.argv[3] ?? '1,8,32').split(',').map(Number);
const ROUNDS = 3;
const ZONE = 'bench.fleet.test';

/** Let's Encrypt's limits, with room for every settlement of the run. */
const LIMITS: CaRateLimits = {
  ...LETS_ENCRYPT,
  limits: Object.fromEntries(
    Object.entries(LETS_ENCRYPT.limits).map(([name, limit]) => [name, { ...limit, capacity: 1e9 }]),
  ),
};

async function main(): Promise<void> {
  const db = await isolatedDatabase('ratelimitsettle');
  try {
    for (const callers of CALLERS) await measure(db.url, callers);
  } finally {
    await db.drop();
  }
}

async function measure(url: string, callers: number): Promise<void> {
  const pool = createPgPool(url, { poolSize: callers });
  const prisma = createPrismaClientOnPool(pool, schemaOf(url), { ownsPool: true });
  const repo = new RateLimitRepository(prisma, pool);
  // A scope (CA) of its own for each number of callers: every one starts on fresh rows.
  const scope = `https://ca-${randomBytes(4).toString('hex')}.test/directory`;
  try {
    const clients = await Promise.all(Array.from({ length: callers }, () => pool.connect()));
    const pids = await Promise.all(
      clients.map(
        async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid,
      ),
    );
    clients.forEach((c) => c.release());
    const backendCpu = () => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);

    let device = 0;
    const round = async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (next++ < SETTLEMENTS) {
            const name = `d${device++}.${ZONE}`;
            const settlement = await repo.apply(
              scope,
              newOrderTransactions(LIMITS, {
                identifiers: [{ type: 'dns', value: name }],
                identifierSet: `dns:${name}`,
                exemption: 'none',
              }),
            );
            if (!settlement.allowed)
              throw new Error(`settlement refused: ${JSON.stringify(settlement.blocking)}`);
          }
        }),
      );
    };

    await round();
    console.log(`${callers} caller(s) at once, ${SETTLEMENTS} settlements a round:`);
    for (let r = 1; r <= ROUNDS; r++) {
      const cpuBefore = backendCpu();
      const started = performance.now();
      await round();
      const wallUs = ((performance.now() - started) * 1000) / SETTLEMENTS;
      const cpuUs = ((backendCpu() - cpuBefore) * 1e6) / SETTLEMENTS;
      console.log(
        `  round ${r}: Postgres CPU ${cpuUs.toFixed(0)} µs, wall ${wallUs.toFixed(0)} µs a settlement ` +
          `(${(1e6 / wallUs).toFixed(0)} settlements/s)`,
      );
    }
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
