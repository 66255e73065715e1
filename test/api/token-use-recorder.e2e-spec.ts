import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { DeviceTokenUses, TokenUseRecorder } from '../../apps/api/src/auth/token-use-recorder';
import { migrate } from '../../libs/db/src/migrate';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { createPrismaClientOnPool } from '../../libs/db/src/prisma-client';
import { DeviceRepository } from '../../libs/db/src/repositories/device.repository';
import { startTestApi } from '../support/api';
import { testConfig } from '../support/config';
import { waitFor } from '../support/wait-for';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../db/test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');

/** Device-token uses written behind authentication, in batches, against a real Postgres. */
describe('TokenUseRecorder', () => {
  const name = uniqueDatabaseName('tokenuses');
  const url = databaseUrl(name);
  const pool = createPgPool(url, { poolSize: 3 });
  const prisma = createPrismaClientOnPool(pool, undefined);
  const devices = new DeviceRepository(prisma, pool);
  // Stamps that give up after 200 ms waiting for a row lock: a flush that a test can make fail.
  const impatientPool = new Pool({ connectionString: url, max: 2, options: '-c lock_timeout=200' });
  // As createPgPool does for the product's pools: an idle connection the server ends (here
  // seen once in a full run, "terminating connection due to administrator command") is
  // dropped from the pool, not an unhandled 'error' event that fails whichever test runs.
  impatientPool.on('error', () => undefined);
  const impatient = new DeviceRepository(prisma, impatientPool);
  const recorders: TokenUseRecorder[] = [];

  beforeAll(() => migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }));
  afterAll(async () => {
    await Promise.all(recorders.map((r) => r.close()));
    await prisma.$disconnect();
    await pool.end();
    await impatientPool.end();
    await dropDatabase(name);
  });

  function recorder(write: (uses: ReadonlyMap<string, Date>) => Promise<unknown>, opts = {}) {
    const created = new TokenUseRecorder(write, opts);
    recorders.push(created);
    return created;
  }

  async function newTokenIds(n: number): Promise<string[]> {
    const fleet = await prisma.fleet.upsert({
      where: { name: 'uses' },
      create: { name: 'uses', zone: 'uses.example.test' },
      update: {},
    });
    const ids = [];
    for (let i = 0; i < n; i++) {
      const label = randomBytes(4).toString('hex');
      const device = await prisma.device.create({
        data: { fleetId: fleet.id, identifier: label, label, hostname: `${label}.uses.example.test` },
      });
      const token = await prisma.deviceToken.create({
        data: { deviceId: device.id, prefix: randomBytes(6).toString('hex'), hash: randomBytes(32) },
      });
      ids.push(token.id);
    }
    return ids;
  }

  async function stored(ids: string[]): Promise<(Date | null)[]> {
    const rows = await prisma.deviceToken.findMany({ where: { id: { in: ids } } });
    return ids.map((id) => rows.find((r) => r.id === id)!.lastUsedAt);
  }

  it('should write the latest use of each token within about a second, all in one statement', async () => {
    const [a, b] = await newTokenIds(2);
    const batches: number[] = [];
    const uses = recorder((batch) => {
      batches.push(batch.size);
      return devices.stampTokenUses(batch);
    });
    const t0 = new Date('2026-06-01T10:00:00.000Z');
    const t1 = new Date('2026-06-01T10:00:01.000Z');
    const t2 = new Date('2026-06-01T10:00:02.000Z');

    const start = Date.now();
    uses.record(a, t1);
    uses.record(a, t2);
    uses.record(a, t0);
    uses.record(b, t1);
    expect(uses.pendingCount).toBe(2);
    expect(await stored([a, b])).toEqual([null, null]);

    await waitFor(
      () => stored([a, b]),
      (s) => s[0] !== null && s[1] !== null,
      { what: 'the flush', timeoutMs: 10_000 },
    );
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
    expect(await stored([a, b])).toEqual([t2, t1]);
    expect(batches).toEqual([2]);
    expect(uses.pendingCount).toBe(0);
  });

  it('should write at once when as many tokens wait as it may hold', async () => {
    const ids = await newTokenIds(3);
    const uses = recorder((batch) => devices.stampTokenUses(batch), { maxPending: 3, flushDelayMs: 600_000 });
    const at = new Date('2026-06-01T10:30:00.000Z');
    for (const id of ids.slice(0, 2)) uses.record(id, at);
    expect(uses.pendingCount).toBe(2);
    uses.record(ids[2], at);
    const written = await waitFor(
      () => stored(ids),
      (s) => s.every((d) => d !== null),
      { what: 'the early flush', timeoutMs: 10_000 },
    );
    expect(written).toEqual([at, at, at]);
  });

  it('should never move a stored use back, whichever arrives last', async () => {
    const [a] = await newTokenIds(1);
    const later = new Date('2026-06-01T11:00:00.000Z');
    await prisma.deviceToken.update({ where: { id: a }, data: { lastUsedAt: later } });
    const uses = recorder((batch) => devices.stampTokenUses(batch));

    uses.record(a, new Date('2026-06-01T10:59:59.999Z'));
    expect(await uses.flush()).toBe(true);
    expect(await stored([a])).toEqual([later]);
  });

  it('should keep the uses of a failed flush, bounded, and write them on the next try', async () => {
    const [a, b, c] = await newTokenIds(3);
    const uses = recorder((batch) => impatient.stampTokenUses(batch), { maxPending: 2 });
    const locker = new Client({ connectionString: url });
    await locker.connect();
    try {
      // Another transaction holds the row: the stamp times out waiting for it.
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM device_tokens WHERE id = $1 FOR UPDATE', [a]);
      const first = new Date('2026-06-01T12:00:00.000Z');
      uses.record(a, first);
      expect(await uses.flush()).toBe(false);
      expect(uses.pendingCount).toBe(1);

      // Later uses join the kept one; past the bound, the use of one more token is dropped.
      const second = new Date('2026-06-01T12:00:01.000Z');
      uses.record(a, second);
      uses.record(b, second);
      uses.record(c, second);
      expect(uses.pendingCount).toBe(2);
      // The bound started a flush at once; it and the one after it fail the same way.
      expect(await uses.flush()).toBe(false);
      expect(uses.pendingCount).toBe(2);
      expect(await stored([a, b, c])).toEqual([null, null, null]);

      await locker.query('COMMIT');
      const written = await waitFor(
        () => stored([a, b, c]),
        (s) => s[0] !== null && s[1] !== null,
        { what: 'the retry', timeoutMs: 10_000 },
      );
      expect(written).toEqual([second, second, null]);
    } finally {
      await locker.end();
    }
  });

  it('should write the uses of a gracefully stopped API before its database pool closes', async () => {
    const api = await startTestApi(
      testConfig({ FLEETCERT_FLEET_NAME: 'token-uses', FLEETCERT_FLEET_ZONE: 'uses.fleet.test' }),
    );
    const shared = createPgPool(api.config.database.url, { poolSize: 1 });
    try {
      const admin = await api.operatorKey('admin');
      const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
      expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(200);
      // Recorded, not written yet (the timer is a second away)...
      expect(api.app.get(DeviceTokenUses).pendingCount).toBe(1);
      const before = Date.now();
      await api.close();

      // ...and written by the shutdown.
      const { rows } = await shared.query<{ lastUsedAt: Date | null }>(
        'SELECT "lastUsedAt" FROM device_tokens WHERE "deviceId" = $1',
        [device.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].lastUsedAt).not.toBeNull();
      expect(rows[0].lastUsedAt!.getTime()).toBeLessThanOrEqual(before);
      expect(rows[0].lastUsedAt!.getTime()).toBeGreaterThan(before - 60_000);
    } finally {
      await api.close().catch(() => undefined);
      await shared.end();
    }
  });
});
