import { join } from 'node:path';
import { migrate } from '../../libs/db/src/migrate';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { createPrismaClientOnPool } from '../../libs/db/src/prisma-client';
import { isDatabaseUnavailable } from '../../libs/db/src/sql/database-unavailable';
import { inTransaction, isQueryTimeout, query, queryOne, statement } from '../../libs/db/src/sql/statement';
import { waitFor } from '../support/wait-for';
import { databaseUrl, dropDatabase, uniqueDatabaseName, withDatabase } from './test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');

const fleetByName = statement('test.fleetByName', 'SELECT id, name, "createdAt" FROM fleets WHERE name = $1');
const backendPid = statement('test.backendPid', 'SELECT pg_backend_pid() AS pid');
const insertFleet = statement(
  'test.insertFleet',
  'INSERT INTO fleets (id, name, zone, "updatedAt") VALUES (gen_random_uuid(), $1, $2, now()) RETURNING id',
);

describe('prepared statements on the shared pool', () => {
  const name = uniqueDatabaseName('statement');
  const url = databaseUrl(name, { schema: 'tenant_s' });
  const pool = createPgPool(url, { poolSize: 2 });
  const prisma = createPrismaClientOnPool(pool, 'tenant_s');

  beforeAll(() => migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }));
  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await dropDatabase(name);
  });

  it('should read what Prisma wrote, in the URL schema, with UTC timestamps as Prisma gives them', async () => {
    const created = await prisma.fleet.create({ data: { name: 'lab', zone: 'lab.example.test' } });

    const row = await queryOne<{ id: string; name: string; createdAt: Date }>(pool, fleetByName, ['lab']);

    expect(row).toEqual({ id: created.id, name: 'lab', createdAt: created.createdAt });
    // Run again: the second execution uses the statement prepared on that connection.
    expect(await query(pool, fleetByName, ['lab'])).toHaveLength(1);
  });

  it('should commit a transaction that resolves and roll back one that throws', async () => {
    await inTransaction(pool, (client) => query(client, insertFleet, ['kept', 'k.example.test']));
    await expect(
      inTransaction(pool, async (client) => {
        await query(client, insertFleet, ['dropped', 'd.example.test']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');

    expect(await queryOne(pool, fleetByName, ['kept'])).toBeDefined();
    expect(await queryOne(pool, fleetByName, ['dropped'])).toBeUndefined();
  });

  it('should run beginWith inside the transaction it opens', async () => {
    const early =
      "INSERT INTO fleets (id, name, zone, \"updatedAt\") VALUES (gen_random_uuid(), 'early', 'e.example.test', now())";
    await expect(
      inTransaction(
        pool,
        async (client) => {
          // What beginWith wrote is visible inside the transaction...
          expect(await queryOne(client, fleetByName, ['early'])).toBeDefined();
          throw new Error('changed my mind');
        },
        { beginWith: early },
      ),
    ).rejects.toThrow('changed my mind');

    // ...and rolled back with it.
    expect(await queryOne(pool, fleetByName, ['early'])).toBeUndefined();
  });

  it('should refuse one name declared with two texts', () => {
    expect(() => statement('test.fleetByName', 'SELECT 1')).toThrow(/declared twice/);
    expect(statement('test.fleetByName', fleetByName.text)).toEqual(fleetByName);
  });

  it('should survive the server closing an idle connection, and reconnect for the next query', async () => {
    // A pool of its own, without Prisma (whose adapter listens for pool errors while connected).
    const own = createPgPool(url, { poolSize: 1 });
    try {
      const { pid } = (await queryOne<{ pid: number }>(own, backendPid, []))!;

      // Unhandled, the pool's 'error' event for that idle connection would fail this test.
      await withDatabase(name, (client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
      await waitFor(
        async () => own.totalCount,
        (count) => count === 0,
        { what: 'the pool to drop the closed connection' },
      );

      const after = await queryOne<{ pid: number }>(own, backendPid, []);
      expect(after!.pid).not.toBe(pid);
    } finally {
      await own.end();
    }
  });

  describe("with a statement timeout (the pool's queryTimeoutMs)", () => {
    const sleep = statement('test.sleep', 'SELECT pg_sleep($1)');

    it('should fail a statement not answered in time, and discard its connection, on the pool', async () => {
      const own = createPgPool(url, { poolSize: 1, queryTimeoutMs: 200 });
      try {
        const { pid } = (await queryOne<{ pid: number }>(own, backendPid, []))!;
        const err: unknown = await query(own, sleep, [2]).catch((e: unknown) => e);

        expect(isQueryTimeout(err)).toBe(true);
        expect(isDatabaseUnavailable(err)).toBe(true);
        const after = await queryOne<{ pid: number }>(own, backendPid, []);
        expect(after!.pid).not.toBe(pid);
      } finally {
        await own.end();
      }
    });

    it("should discard a transaction's connection at once, not queue a ROLLBACK behind the lost answer", async () => {
      const own = createPgPool(url, { poolSize: 1, queryTimeoutMs: 300 });
      try {
        let pid = 0;
        /** What inTransaction sends on the connection after `fn` (its COMMIT or ROLLBACK). */
        const sentAfter: unknown[] = [];
        const err: unknown = await inTransaction(own, async (client) => {
          pid = (await queryOne<{ pid: number }>(client, backendPid, []))!.pid;
          const send = client.query.bind(client) as (...args: unknown[]) => unknown;
          (client as { query: unknown }).query = (...args: unknown[]) => {
            sentAfter.push(args[0]);
            return send(...args);
          };
          await send(sleep.text, [3]);
        }).catch((e: unknown) => e);

        expect(isQueryTimeout(err)).toBe(true);
        // A ROLLBACK would have queued behind the lost answer and waited out a second timeout.
        expect(sentAfter).toEqual([]);
        const after = await queryOne<{ pid: number }>(own, backendPid, []);
        expect(after!.pid).not.toBe(pid);
      } finally {
        await own.end();
      }
    });

    it("should discard the connection of a Prisma transaction whose statement was not answered, though Prisma's adapter releases it as healthy", async () => {
      const own = createPgPool(url, { poolSize: 1, queryTimeoutMs: 300 });
      const ownPrisma = createPrismaClientOnPool(own, 'tenant_s');
      try {
        let pid = 0;
        const err: unknown = await ownPrisma
          .$transaction(async (tx) => {
            pid = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0].pid;
            await tx.$queryRaw`SELECT pg_sleep(3)`;
          })
          .catch((e: unknown) => e);

        expect(isDatabaseUnavailable(err)).toBe(true);
        // The next statement gets a new connection, not the one still awaiting pg_sleep (on
        // which it would time out in turn, or answer with the same pid after the sleep).
        const after = await queryOne<{ pid: number }>(own, backendPid, []);
        expect(after!.pid).not.toBe(pid);
      } finally {
        await ownPrisma.$disconnect();
        await own.end();
      }
    });
  });
});
