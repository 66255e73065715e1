import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ChangeFeed, ChangeSubscriber } from '../../libs/db/src/change-feed/change-feed';
import { migrate } from '../../libs/db/src/migrate';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { createPrismaClientOnPool } from '../../libs/db/src/prisma-client';
import { DeviceRepository } from '../../libs/db/src/repositories/device.repository';
import { storeCertificate, storeRequest } from '../support/stored-rows';
import { waitFor } from '../support/wait-for';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from './test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');

/** What the triggers of migration `change_notifications` announce, heard through a real LISTEN. */
describe('ChangeFeed on Postgres change notifications', () => {
  const name = uniqueDatabaseName('changefeed');
  const url = databaseUrl(name);
  const pool = createPgPool(url, { poolSize: 3 });
  const prisma = createPrismaClientOnPool(pool, undefined);
  const feed = new ChangeFeed({ databaseUrl: url, pool, reconnectDelayMs: 50 });
  const heard: string[] = [];
  const recorder: ChangeSubscriber = {
    deviceChanged: (id) => heard.push(id),
    everythingChanged: () => heard.push('*'),
  };

  beforeAll(async () => {
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    feed.subscribe(recorder);
    await feed.start();
  });
  afterAll(async () => {
    await feed.stop();
    await prisma.$disconnect();
    await pool.end();
    await dropDatabase(name);
  });

  /** What the feed passed on for everything committed before this call. */
  async function heardSoFar(): Promise<string[]> {
    await feed.sync();
    return heard.splice(0);
  }

  async function newDevice() {
    const fleet = await prisma.fleet.upsert({
      where: { name: 'feed' },
      create: { name: 'feed', zone: 'feed.example.test' },
      update: {},
    });
    const label = randomBytes(4).toString('hex');
    return prisma.device.create({
      data: { fleetId: fleet.id, identifier: label, label, hostname: `${label}.feed.example.test` },
    });
  }

  it('should be live once listening', () => {
    expect(feed.isLive).toBe(true);
  });

  it('should announce a committed change of a device, its tokens, requests and certificates with the device id', async () => {
    const device = await newDevice();
    await heardSoFar();

    await prisma.device.update({ where: { id: device.id }, data: { ipv4: '192.0.2.7' } });
    expect(await heardSoFar()).toEqual([device.id]);

    const token = await prisma.deviceToken.create({
      data: { deviceId: device.id, prefix: randomBytes(6).toString('hex'), hash: randomBytes(32) },
    });
    await prisma.deviceToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
    expect(await heardSoFar()).toEqual([device.id, device.id]);

    const request = await storeRequest(prisma, device.id, device.hostname);
    await storeCertificate(prisma, request, { notBefore: new Date(), chainPem: 'chain' });
    expect(await heardSoFar()).toEqual([device.id, device.id]);

    // Deleting the device cascades to all of them: one notification, deduplicated.
    await prisma.device.delete({ where: { id: device.id } });
    expect(await heardSoFar()).toEqual([device.id]);
  });

  it("should not announce a token's use stamp alone, and still announce every other change of a token", async () => {
    const device = await newDevice();
    const token = await prisma.deviceToken.create({
      data: { deviceId: device.id, prefix: randomBytes(6).toString('hex'), hash: randomBytes(32) },
    });
    await heardSoFar();

    // The API's batched stamp, and the same column set by anyone else.
    const devices = new DeviceRepository(prisma, pool);
    expect(await devices.stampTokenUses(new Map([[token.id, new Date()]]))).toBe(1);
    await prisma.deviceToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date() } });
    expect(await heardSoFar()).toEqual([]);

    // A revocation (with or without a stamp in the same statement), a new secret, a deletion.
    await prisma.deviceToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
    expect(await heardSoFar()).toEqual([device.id]);
    await prisma.deviceToken.update({
      where: { id: token.id },
      data: { revokedAt: null, lastUsedAt: new Date() },
    });
    expect(await heardSoFar()).toEqual([device.id]);
    await prisma.deviceToken.update({ where: { id: token.id }, data: { hash: randomBytes(32) } });
    expect(await heardSoFar()).toEqual([device.id]);
    await prisma.deviceToken.delete({ where: { id: token.id } });
    expect(await heardSoFar()).toEqual([device.id]);
  });

  it('should watch every column of device_tokens but "lastUsedAt" (a column added later must be listed)', async () => {
    const { rows } = await pool.query<{ column: string; watched: boolean }>(
      `SELECT a.attname AS column, a.attnum = ANY (t.tgattr) AS watched
         FROM pg_trigger t
         JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE t.tgname = 'device_tokens_notify_change'`,
    );
    expect(rows.filter((r) => !r.watched).map((r) => r.column)).toEqual(['lastUsedAt']);
    expect(rows.length).toBeGreaterThan(1);
  });

  it('should announce nothing for a rolled-back change, and everything for a fleet change', async () => {
    const device = await newDevice();
    await heardSoFar();
    await prisma
      .$transaction(async (tx) => {
        await tx.device.update({ where: { id: device.id }, data: { ipv4: '192.0.2.8' } });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await heardSoFar()).toEqual([]);

    await prisma.fleet.update({ where: { id: device.fleetId }, data: { allowMixedIdentifiers: true } });
    expect(await heardSoFar()).toEqual(['*']);
  });

  it('should go dark when its connection is lost, tell caches to forget everything, and listen again', async () => {
    const epoch = feed.epoch;
    await heardSoFar();
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN fleetcert_changes'`,
    );
    await waitFor(
      async () => feed.isLive,
      (live) => !live,
      { what: 'the feed to notice the lost connection' },
    );
    expect(heard).toContain('*');
    await waitFor(
      async () => feed.isLive,
      (live) => live,
      { what: 'the feed to listen again' },
    );
    expect(feed.epoch).toBeGreaterThan(epoch + 1);

    const device = await newDevice();
    await heardSoFar();
    await prisma.device.update({ where: { id: device.id }, data: { ipv4: '192.0.2.9' } });
    expect(await heardSoFar()).toEqual([device.id]);
  });
});
