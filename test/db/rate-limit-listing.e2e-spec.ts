import { randomBytes } from 'node:crypto';
import {
  createPgPool,
  createPrismaClientOnPool,
  PrismaClient,
  RateLimitRepository,
  schemaOf,
} from '@fleetcert/db';
import type { Pool } from 'pg';
import { isolatedDatabase } from '../support/isolated-database';

describe('RateLimitRepository.listNotFull (the operator view of the buckets)', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: Pool;
  let prisma: PrismaClient;
  let repo: RateLimitRepository;
  const scope = `https://ca-${randomBytes(4).toString('hex')}.test/dir`;

  beforeAll(async () => {
    db = await isolatedDatabase('rate-limit-listing');
    pool = createPgPool(db.url, { poolSize: 2 });
    prisma = createPrismaClientOnPool(pool, schemaOf(db.url));
    repo = new RateLimitRepository(prisma, pool);
    // 250 buckets not full, in groups of five sharing one TAT (the id breaks the tie),
    // 100 full ones, and 50 not full in another scope.
    await pool.query(
      `INSERT INTO rate_limit_buckets (id, scope, "limitName", key, tat, "updatedAt")
       SELECT gen_random_uuid(), $1, CASE WHEN i % 3 = 0 THEN 'newOrdersPerAccount' ELSE 'certificatesPerExactSet' END,
              'k' || i, (now() AT TIME ZONE 'UTC') + (i / 5) * interval '1 minute' + interval '1 hour', now()
         FROM generate_series(1, 250) AS i
       UNION ALL
       SELECT gen_random_uuid(), $1, 'certificatesPerExactSet', 'full' || i,
              (now() AT TIME ZONE 'UTC') - interval '1 minute', now()
         FROM generate_series(1, 100) AS i
       UNION ALL
       SELECT gen_random_uuid(), $1 || '/other', 'certificatesPerExactSet', 'o' || i,
              (now() AT TIME ZONE 'UTC') + interval '1 day', now()
         FROM generate_series(1, 50) AS i`,
      [scope],
    );
    await pool.query('ANALYZE rate_limit_buckets');
  }, 60_000);

  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await db.drop();
  });

  async function allPages(size: number, limit?: string): Promise<string[]> {
    const keys: string[] = [];
    let after: { tat: number; id: string } | undefined;
    for (;;) {
      const rows = await repo.listNotFull(scope, { size, after, limit });
      keys.push(...rows.map((r) => r.key));
      if (rows.length < size) return keys;
      const last = rows[rows.length - 1];
      after = { tat: last.tat, id: last.id };
    }
  }

  it('should page through every bucket that is not full, latest TAT first, each once', async () => {
    const { rows } = await pool.query<{ key: string }>(
      `SELECT key FROM rate_limit_buckets
        WHERE scope = $1 AND tat > (now() AT TIME ZONE 'UTC') ORDER BY tat DESC, id DESC`,
      [scope],
    );
    expect(rows).toHaveLength(250);
    // Pages of 7 cut through the groups of equal TATs.
    expect(await allPages(7)).toEqual(rows.map((r) => r.key));
  });

  it('should filter by limit across pages', async () => {
    const orders = await allPages(10, 'newOrdersPerAccount');
    expect(orders).toHaveLength(83);
    expect(orders.every((k) => Number(k.slice(1)) % 3 === 0)).toBe(true);
  });

  it('should read a page with a range scan of the (scope, tat, id) index, without sorting', async () => {
    // One connection: the statement the repository prepared on it is the one explained.
    const single = createPgPool(db.url, { poolSize: 1 });
    try {
      const own = new RateLimitRepository(prisma, single);
      await own.listNotFull(scope, { size: 101 });
      const { rows } = await single.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN EXECUTE "rateLimit.listNotFull"(${quoteLiteral(scope)}, 'Infinity', '00000000-0000-0000-0000-000000000000', 101, NULL)`,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('rate_limit_buckets_scope_tat_id_idx');
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    } finally {
      await single.end();
    }
  });
});

/** EXECUTE takes no bind parameters: the scope as an SQL literal. */
function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
