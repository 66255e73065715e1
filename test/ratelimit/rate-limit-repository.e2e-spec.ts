import { randomBytes } from 'node:crypto';
import {
  createPgPool,
  createPrismaClientOnPool,
  PrismaClient,
  RateLimitRepository,
  schemaOf,
} from '@fleetcert/db';
import {
  bucketId,
  BucketTransaction,
  bucketStatus,
  LETS_ENCRYPT,
  newOrderTransactions,
  perPeriod,
  RateLimit,
  settle,
  Settlement,
} from '@fleetcert/ratelimit';
import { Client } from 'pg';
import { seededRandom } from '../support/seeded-random';
import { waitFor } from '../support/wait-for';

const HOUR = 3600_000;

/** One process's view of the database: its own client and connection pool, as a worker has. */
function worker(): { prisma: PrismaClient; repo: RateLimitRepository } {
  const url = process.env.DATABASE_URL!;
  const pool = createPgPool(url, { poolSize: 3 });
  const prisma = createPrismaClientOnPool(pool, schemaOf(url), { ownsPool: true });
  return { prisma, repo: new RateLimitRepository(prisma, pool) };
}

/** fleetcert_apply_buckets called as RateLimitRepository.apply calls it, on a client of the test's own. */
function applySql(client: Client, scope: string, txns: readonly BucketTransaction[]) {
  return client.query(
    `SELECT * FROM fleetcert_apply_buckets($1, $2::text[], $3::text[], $4::float8[], $5::float8[],
                                           $6::float8[], $7::boolean[], $8::boolean[])`,
    [
      scope,
      txns.map((t) => t.limit.name),
      txns.map((t) => t.key),
      txns.map((t) => t.cost),
      txns.map((t) => t.limit.refillMs),
      txns.map((t) => t.limit.capacity),
      txns.map((t) => t.check),
      txns.map((t) => t.spend),
    ],
  );
}

const spend = (limit: RateLimit, key: string, check = true): BucketTransaction => ({
  limit,
  key,
  cost: 1,
  check,
  spend: true,
});

describe('RateLimitRepository against Postgres', () => {
  const workers = Array.from({ length: 6 }, worker);
  const repo = workers[0].repo;
  let scope: string;

  beforeEach(() => {
    scope = `https://ca-${randomBytes(4).toString('hex')}.test/dir`;
  });
  afterAll(() => Promise.all(workers.map((w) => w.prisma.$disconnect())));

  it('should never let concurrent workers spend more than a bucket holds', async () => {
    const limit = perPeriod('newOrdersPerAccount', 5, HOUR);
    const attempts = Array.from({ length: 60 }, (_, i) =>
      workers[i % workers.length].repo.apply(scope, [spend(limit, 'account')]),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    const refused = results.filter((r) => !r.allowed);
    expect(refused).toHaveLength(55);
    // Refused ones say when a token comes back: one refill interval after the burst.
    for (const r of refused) {
      expect(r.blocking).toEqual([
        expect.objectContaining({ limit: 'newOrdersPerAccount', key: 'account', remaining: 0 }),
      ]);
      expect(r.availableAt - Date.now()).toBeGreaterThan(HOUR / 5 - 60_000);
    }
    const tats = await repo.tats(scope, [{ limit: 'newOrdersPerAccount', key: 'account' }]);
    expect(
      bucketStatus(limit, tats.get(bucketId({ limit: 'newOrdersPerAccount', key: 'account' })), Date.now())
        .remaining,
    ).toBe(0);
  });

  it('should spend all buckets of an order or none, even under contention', async () => {
    const orders = perPeriod('newOrdersPerAccount', 20, HOUR);
    const exactSet = perPeriod('certificatesPerExactSet', 3, HOUR);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        workers[i % workers.length].repo.apply(scope, [
          spend(orders, 'account'),
          spend(exactSet, 'dns:a.example.com'),
        ]),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    const tats = await repo.tats(scope, [
      { limit: 'newOrdersPerAccount', key: 'account' },
      { limit: 'certificatesPerExactSet', key: 'dns:a.example.com' },
    ]);
    const now = Date.now();
    // The 9 refused orders took nothing from the account bucket.
    expect(
      bucketStatus(orders, tats.get(bucketId({ limit: 'newOrdersPerAccount', key: 'account' })), now)
        .remaining,
    ).toBe(17);
    expect(
      bucketStatus(
        exactSet,
        tats.get(bucketId({ limit: 'certificatesPerExactSet', key: 'dns:a.example.com' })),
        now,
      ).remaining,
    ).toBe(0);
  });

  it('should not deadlock when concurrent orders lock overlapping buckets in any order', async () => {
    const domains = ['a.example.com', 'b.example.org', 'c.example.net'];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const names = [domains[i % 3], domains[(i + 1) % 3]];
        const txns = newOrderTransactions(LETS_ENCRYPT, {
          identifiers: names.map((value) => ({ type: 'dns' as const, value })),
          identifierSet: names
            .sort()
            .map((n) => `dns:${n}`)
            .join(','),
          exemption: 'none',
        });
        return workers[i % workers.length].repo.apply(scope, txns);
      }),
    );
    // Each of the three sets holds 5: 30 orders over 3 sets, 15 go through.
    expect(results.filter((r) => r.allowed)).toHaveLength(15);
  });

  it('should record spend-only transactions without ever refusing them', async () => {
    const failures = perPeriod('failedAuthorizationsPerIdentifier', 2, HOUR);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => repo.apply(scope, [spend(failures, 'a.example.com', false)])),
    );
    expect(results.every((r) => r.allowed)).toBe(true);
    const check = await repo.apply(scope, [{ ...spend(failures, 'a.example.com'), spend: false }]);
    expect(check).toMatchObject({
      allowed: false,
      blocking: [{ limit: 'failedAuthorizationsPerIdentifier', remaining: 0 }],
    });
  });

  it('should decide in the database exactly as settle() does on the same buckets', async () => {
    // Seeded, so a failure replays. A day's refill: the few milliseconds between this
    // process's clock and the database's never change a decision.
    const random = seededRandom(20261122);
    const pick = (n: number) => Math.floor(random() * n);
    const limits = (
      ['newOrdersPerAccount', 'certificatesPerExactSet', 'failedAuthorizationsPerIdentifier'] as const
    ).map((name) => perPeriod(name, 1 + pick(6), 24 * HOUR));
    const keys = ['k1', 'k2', 'k3'];
    let allowed = 0;
    let refused = 0;
    for (let step = 0; step < 150; step++) {
      const txns: BucketTransaction[] = Array.from({ length: 1 + pick(4) }, () => {
        const limit = limits[pick(limits.length)];
        const kind = pick(3);
        return {
          limit,
          key: keys[pick(keys.length)],
          cost: 1 + pick(limit.capacity),
          check: kind !== 2,
          spend: kind !== 1,
        };
      });
      const refs = txns.map((t) => ({ limit: t.limit.name, key: t.key }));
      const expected = settle(txns, await repo.tats(scope, refs), Date.now());
      const actual = await repo.apply(scope, txns);
      expect({ step, allowed: actual.allowed, blocking: actual.blocking.map(bucketId).sort() }).toEqual({
        step,
        allowed: expected.allowed,
        blocking: expected.blocking.map(bucketId).sort(),
      });
      // The same buckets spent, to the same TAT (a full bucket's starts at its clock's now).
      const byBucket = (s: Settlement) => s.writes.map((w) => [bucketId(w), w.tat] as const).sort();
      const expectedWrites = byBucket(expected);
      expect(byBucket(actual).map(([id]) => id)).toEqual(expectedWrites.map(([id]) => id));
      byBucket(actual).forEach(([, tat], i) =>
        expect(Math.abs(tat - expectedWrites[i][1])).toBeLessThan(1000),
      );
      if (actual.allowed) allowed++;
      else refused++;
    }
    // Both outcomes were exercised.
    expect(allowed).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  it('should empty a bucket until a Retry-After, never making it fuller', async () => {
    const orders = perPeriod('newOrdersPerAccount', 300, 3 * HOUR);
    const until = new Date(Date.now() + 10 * 60_000);
    await repo.emptyUntil(scope, [{ limit: orders, key: 'account' }], until);
    const refused = await repo.apply(scope, [spend(orders, 'account')]);
    expect(refused.allowed).toBe(false);
    expect(Math.abs(refused.availableAt - until.getTime())).toBeLessThan(5);
    await repo.emptyUntil(scope, [{ limit: orders, key: 'account' }], new Date(Date.now() + 60_000));
    expect((await repo.apply(scope, [spend(orders, 'account')])).availableAt).toBe(refused.availableAt);
  });

  it('should list buckets that are not full, least headroom first, page by page', async () => {
    const exactSet = perPeriod('certificatesPerExactSet', 5, 7 * 24 * HOUR);
    for (let i = 0; i < 5; i++) {
      const txns = Array.from({ length: i + 1 }, () => spend(exactSet, `dns:${i}.example.com`));
      for (const t of txns) await repo.apply(scope, [t]);
    }
    const first = await repo.listNotFull(scope, { size: 3 });
    expect(first.map((r) => r.key)).toEqual(['dns:4.example.com', 'dns:3.example.com', 'dns:2.example.com']);
    const last = first[first.length - 1];
    const second = await repo.listNotFull(scope, { size: 3, after: { tat: last.tat, id: last.id } });
    expect(second.map((r) => r.key)).toEqual(['dns:1.example.com', 'dns:0.example.com']);
    expect(await repo.listNotFull(scope, { size: 10, limit: 'newOrdersPerAccount' })).toEqual([]);
  });

  describe('on a bucket every order spends from (the account, the fleet zone)', () => {
    const orders = perPeriod('newOrdersPerAccount', 1000, HOUR);
    /** A transaction of the test's own, and a session that watches the locks. */
    let client: Client;
    let observer: Client;

    beforeEach(async () => {
      [client, observer] = [0, 1].map(() => new Client({ connectionString: process.env.DATABASE_URL }));
      await Promise.all([client.connect(), observer.connect()]);
    });
    afterEach(() => Promise.all([client.end(), observer.end()]));

    it('should write one row version a spend, not two (locking the row writes nothing)', async () => {
      await repo.apply(scope, [spend(orders, 'account')]);
      await client.query('BEGIN');
      try {
        for (let i = 0; i < 5; i++) await applySql(client, scope, [spend(orders, 'account')]);
        // This transaction's own counts: each spend's UPDATE, and nothing for taking the lock.
        const { rows } = await client.query<{ updated: string; inserted: string }>(
          `SELECT sum(n_tup_upd)::text AS updated, sum(n_tup_ins)::text AS inserted
             FROM pg_stat_xact_user_tables WHERE relname = 'rate_limit_buckets'`,
        );
        expect(rows[0]).toEqual({ updated: '5', inserted: '0' });
      } finally {
        await client.query('ROLLBACK');
      }
    });

    it("should queue concurrent settlements on the bucket's advisory lock, then settle each in turn", async () => {
      const holder = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await client.query('BEGIN');
      await applySql(client, scope, [spend(orders, 'account')]);
      // A second settlement of the same bucket waits in the lock manager's queue, not on the row.
      const waiting = workers[1].repo.apply(scope, [spend(orders, 'account')]);
      const waits = await waitFor(
        async () =>
          (
            await observer.query<{ locktype: string }>(
              `SELECT locktype FROM pg_locks WHERE NOT granted AND $1::int = ANY(pg_blocking_pids(pid))`,
              [holder],
            )
          ).rows,
        (rows) => rows.length > 0,
        { what: 'a settlement waiting for the first one' },
      );
      expect(waits.map((w) => w.locktype)).toEqual(['advisory']);
      await client.query('COMMIT');
      const second = await waiting;
      expect(second.allowed).toBe(true);
      // Both spends landed: the second read the first one's committed TAT.
      const tat = (await repo.tats(scope, [{ limit: 'newOrdersPerAccount', key: 'account' }])).get(
        bucketId({ limit: 'newOrdersPerAccount', key: 'account' }),
      );
      expect(bucketStatus(orders, tat, Date.now()).remaining).toBe(998);
    });
  });
});
