import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client, type Pool } from 'pg';
import { ConfigModule } from '../../libs/config/src';
import { DbModule } from '../../libs/db/src/db.module';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { PG_POOL } from '../../libs/db/src/tokens';
import { testConfig } from '../support/config';
import { waitFor } from '../support/wait-for';

/**
 * How long the pool keeps an idle connection (`FLEETCERT_DATABASE_POOL_IDLE_SECONDS`). A
 * connection opened again costs PostgreSQL a cold backend (BENCHMARKS.md, nineteenth
 * pass), so the product keeps them for minutes rather than pg's 10 s.
 */
describe('idle connections in the pool', () => {
  const url = process.env.DATABASE_URL!;
  const observer = new Client({ connectionString: url });
  const pools: Pool[] = [];

  const pidOf = async (pool: Pool) =>
    (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const isConnected = async (pid: number) =>
    (await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 1;
  const poolWith = (idleMs?: number) => {
    const pool = createPgPool(url, { poolSize: 1, idleMs });
    pools.push(pool);
    return pool;
  };

  /**
   * Waits until `pool` has closed its connection and backend `pid` has ended: within 5 s,
   * well under pg's own 10 s, so that a pool that ignored its idle time fails here.
   */
  const expectIdleClose = async (pool: Pool, pid: number) => {
    await waitFor(
      () => Promise.resolve(pool.totalCount),
      (n) => n === 0,
      { what: 'the idle connection to close', timeoutMs: 5_000 },
    );
    await waitFor(
      () => isConnected(pid),
      (up) => !up,
      { what: `backend ${pid} to end`, timeoutMs: 5_000 },
    );
  };

  beforeAll(() => observer.connect());
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await observer.end();
  });

  it('should close a connection once it has been idle for idleMs', async () => {
    const pool = poolWith(200);
    const pid = await pidOf(pool);

    await expectIdleClose(pool, pid);
  });

  it("should keep an idle connection with idleMs 0, on the same backend, past pg's own 10 s", async () => {
    const kept = poolWith(0);
    const pgDefault = poolWith(undefined);
    const keptPid = await pidOf(kept);
    await pidOf(pgDefault);

    await waitFor(
      () => Promise.resolve(pgDefault.totalCount),
      (n) => n === 0,
      {
        what: "the pool on pg's default to close its idle connection",
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );

    expect(kept.totalCount).toBe(1);
    expect(await isConnected(keptPid)).toBe(true);
    expect(await pidOf(kept)).toBe(keptPid);
  }, 30_000);

  it('should reject a negative or fractional idle time', () => {
    expect(() => createPgPool(url, { idleMs: -1 })).toThrow(RangeError);
    expect(() => createPgPool(url, { idleMs: 1.5 })).toThrow(RangeError);
  });

  it("should give the process's pool the configured idle time (DbModule)", async () => {
    @Module({
      imports: [ConfigModule.forRoot(testConfig({ FLEETCERT_DATABASE_POOL_IDLE_SECONDS: '1' })), DbModule],
    })
    class PoolOnly {}
    const context = await NestFactory.createApplicationContext(PoolOnly, { logger: false });
    const pool = context.get<Pool>(PG_POOL);
    try {
      const pid = await pidOf(pool);
      expect(pool.totalCount).toBe(1);

      await expectIdleClose(pool, pid);
    } finally {
      await context.close();
    }
  });
});
