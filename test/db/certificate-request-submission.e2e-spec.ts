import { join } from 'node:path';
import { migrate } from '../../libs/db/src/migrate';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { createPrismaClientOnPool } from '../../libs/db/src/prisma-client';
import {
  CertificateRequestRepository,
  NewRequest,
} from '../../libs/db/src/repositories/certificate-request.repository';
import { PoolWaitTimeoutError } from '../../libs/db/src/sql/statement';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from './test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');
const DAY = 86_400_000;
const UNKNOWN_DEVICE = '00000000-0000-4000-8000-000000000001';

/** The submission's statements (`POST /v1/certificates`) against a real database. */
describe('CertificateRequestRepository (submission statements)', () => {
  const name = uniqueDatabaseName('submission');
  const url = databaseUrl(name, { schema: 'tenant_sub' });
  const pool = createPgPool(url, { poolSize: 3 });
  const prisma = createPrismaClientOnPool(pool, 'tenant_sub');
  const requests = new CertificateRequestRepository(prisma, pool);
  let fleetId: string;
  let n = 0;

  beforeAll(async () => {
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    fleetId = (await prisma.fleet.create({ data: { name: 'sub', zone: 'sub.example.test' } })).id;
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await dropDatabase(name);
  });

  async function newDevice(): Promise<string> {
    n++;
    const device = await prisma.device.create({
      data: { fleetId, identifier: `d${n}`, label: `d${n}`, hostname: `d${n}.sub.example.test` },
    });
    return device.id;
  }

  function newRequest(deviceId: string, extra: Partial<NewRequest> = {}): NewRequest {
    n++;
    return {
      deviceId,
      identifiers: [{ type: 'dns', value: `d.sub.example.test` }],
      identifierSet: 'dns:d.sub.example.test',
      csrPem: `-----BEGIN CERTIFICATE REQUEST-----\nMA${n}\n-----END CERTIFICATE REQUEST-----`,
      csrSha256: `csr${n}`.padEnd(64, '0'),
      publicKeySha256: `key${n}`.padEnd(64, '0'),
      challengeType: 'dns_01',
      ...extra,
    };
  }

  async function certificateFor(
    requestId: string,
    deviceId: string,
    at: { notBefore: Date; notAfter?: Date; createdAt?: Date },
    extra: { supersededById?: string; revokedAt?: Date; identifierSet?: string } = {},
  ) {
    n++;
    return prisma.certificate.create({
      data: {
        requestId,
        deviceId,
        serial: `0${n}`,
        ariCertId: `aki.${n}`,
        identifierSet: extra.identifierSet ?? 'dns:d.sub.example.test',
        notBefore: at.notBefore,
        notAfter: at.notAfter ?? new Date(at.notBefore.getTime() + 90 * DAY),
        chainPem: 'PEM',
        publicKeySha256: `certkey${n}`.padEnd(64, '0'),
        createdAt: at.createdAt ?? at.notBefore,
        supersededById: extra.supersededById,
        revokedAt: extra.revokedAt,
      },
    });
  }

  const state = (deviceId: string, s: Partial<Parameters<typeof requests.submissionState>[1]> = {}) =>
    requests.submissionState(pool, {
      deviceId,
      csrSha256: 'none'.padEnd(64, '0'),
      identifierSet: 'dns:d.sub.example.test',
      withLive: false,
      ...s,
    });

  describe('create', () => {
    it('should store the request as Prisma reads it, and return the same', async () => {
      const deviceId = await newDevice();
      const deferredUntil = new Date(Date.now() + 3_600_000);
      const created = await requests.create(
        newRequest(deviceId, {
          identifiers: [{ type: 'ip', value: '192.0.2.1' }],
          identifierSet: 'ip:192.0.2.1',
          challengeType: 'http_01',
          http01Mode: 'pull',
          profile: 'shortlived',
          idempotencyKey: 'boot-1',
          status: 'deferred',
          deferredUntil,
        }),
        pool,
      );

      const stored = await prisma.certificateRequest.findUniqueOrThrow({
        where: { id: created.id },
        include: { certificate: true },
      });
      expect(created).toEqual(stored);
      expect(stored).toMatchObject({
        status: 'deferred',
        challengeType: 'http_01',
        http01Mode: 'pull',
        identifiers: [{ type: 'ip', value: '192.0.2.1' }],
        deferredUntil,
        isRenewal: false,
        attempts: 0,
        certificate: null,
      });
      expect(Math.abs(stored.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect(stored.updatedAt).toEqual(stored.createdAt);
    });

    it('should default to pending, dns-01, no idempotency key, no replacement', async () => {
      const deviceId = await newDevice();
      const created = await requests.create(newRequest(deviceId), pool);
      expect(created).toMatchObject({
        status: 'pending',
        challengeType: 'dns_01',
        http01Mode: null,
        idempotencyKey: null,
        replacesCertificateId: null,
        ariReplaces: null,
        deferredUntil: null,
      });
    });
  });

  describe('getWithCertificate', () => {
    it('should read a request with its certificate as Prisma does, and null for an unknown id', async () => {
      const deviceId = await newDevice();
      const request = await requests.create(newRequest(deviceId), pool);
      await certificateFor(request.id, deviceId, { notBefore: new Date(Date.now() - DAY) });

      expect(await requests.getWithCertificate(request.id)).toEqual(
        await prisma.certificateRequest.findUnique({
          where: { id: request.id },
          include: { certificate: true },
        }),
      );
      expect(await requests.getWithCertificate('00000000-0000-4000-8000-000000000000')).toBeNull();
    });
  });

  describe('submissionState', () => {
    it('should find nothing for a device without requests', async () => {
      expect(await state(await newDevice(), { idempotencyKey: 'k', withLive: true })).toEqual({
        idempotent: null,
        openId: null,
        replaces: null,
        live: [],
      });
    });

    it("should find the request made with the Idempotency-Key, whatever its CSR, and only this device's", async () => {
      const deviceId = await newDevice();
      const other = await newDevice();
      const earlier = await requests.create(newRequest(deviceId, { idempotencyKey: 'boot-7' }), pool);
      await requests.create(newRequest(other, { idempotencyKey: 'boot-8' }), pool);

      expect((await state(deviceId, { idempotencyKey: 'boot-7' })).idempotent).toEqual({
        id: earlier.id,
        csrSha256: earlier.csrSha256,
      });
      expect((await state(deviceId, { idempotencyKey: 'boot-8' })).idempotent).toBeNull();
      expect((await state(deviceId)).idempotent).toBeNull();
    });

    it('should find the newest open request for the CSR, and none once it is valid or failed', async () => {
      const deviceId = await newDevice();
      const first = await requests.create(newRequest(deviceId), pool);
      const csrSha256 = first.csrSha256;
      const second = await requests.create(newRequest(deviceId, { csrSha256, status: 'deferred' }), pool);
      await prisma.certificateRequest.update({
        where: { id: first.id },
        data: { createdAt: new Date(second.createdAt.getTime() - 1000) },
      });

      expect((await state(deviceId, { csrSha256 })).openId).toBe(second.id);
      await prisma.certificateRequest.update({ where: { id: second.id }, data: { status: 'failed' } });
      expect((await state(deviceId, { csrSha256 })).openId).toBe(first.id);
      await prisma.certificateRequest.update({ where: { id: first.id }, data: { status: 'valid' } });
      expect((await state(deviceId, { csrSha256 })).openId).toBeNull();
      expect((await state(await newDevice(), { csrSha256 })).openId).toBeNull();
    });

    it('should name the newest live certificate for exactly the identifier set as the one replaced', async () => {
      const deviceId = await newDevice();
      const now = Date.now();
      const made = async (daysAgo: number, extra: Parameters<typeof certificateFor>[3] = {}) => {
        const request = await requests.create(newRequest(deviceId, { status: 'valid' }), pool);
        return certificateFor(request.id, deviceId, { notBefore: new Date(now - daysAgo * DAY) }, extra);
      };
      const older = await made(20);
      const newest = await made(10);
      await made(1, { identifierSet: 'dns:d.sub.example.test,ip:192.0.2.1' });
      await made(2, { revokedAt: new Date() });
      await made(3, { supersededById: older.id });

      expect((await state(deviceId)).replaces).toEqual({ id: newest.id, ariCertId: newest.ariCertId });
      expect((await state(deviceId, { identifierSet: 'ip:192.0.2.1' })).replaces).toBeNull();
    });

    it('should list, when asked, the open requests and live certificates for the privacy guard', async () => {
      const deviceId = await newDevice();
      const now = Date.now();
      const open = await requests.create(newRequest(deviceId, { status: 'processing' }), pool);
      const live = await requests.create(newRequest(deviceId, { status: 'valid' }), pool);
      const issued = await certificateFor(live.id, deviceId, {
        notBefore: new Date(now - DAY),
        createdAt: new Date(now - DAY + 123),
      });
      const expired = await requests.create(newRequest(deviceId, { status: 'valid' }), pool);
      await certificateFor(expired.id, deviceId, {
        notBefore: new Date(now - 9 * DAY),
        notAfter: new Date(now - DAY),
      });
      const revoked = await requests.create(newRequest(deviceId, { status: 'valid' }), pool);
      await certificateFor(
        revoked.id,
        deviceId,
        { notBefore: new Date(now - DAY) },
        { revokedAt: new Date() },
      );
      await requests.create(newRequest(deviceId, { status: 'failed' }), pool);
      await prisma.certificateRequest.update({
        where: { id: live.id },
        data: { createdAt: new Date(open.createdAt.getTime() - 1000) },
      });

      const found = await state(deviceId, { withLive: true });
      expect(found.live).toEqual([
        {
          identifierSet: open.identifierSet,
          publicKeySha256: open.publicKeySha256,
          status: 'processing',
          createdAt: open.createdAt,
          certificate: null,
        },
        {
          identifierSet: live.identifierSet,
          publicKeySha256: live.publicKeySha256,
          status: 'valid',
          createdAt: new Date(open.createdAt.getTime() - 1000),
          certificate: { createdAt: issued.createdAt, publicKeySha256: issued.publicKeySha256 },
        },
      ]);
      expect((await state(deviceId, { withLive: false })).live).toEqual([]);
    });
  });

  describe('withDeviceLocked', () => {
    it("should run one device's transactions one after the other, and roll back on error", async () => {
      const deviceId = await newDevice();
      const order: string[] = [];
      let releaseFirst!: () => void;
      const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
      let firstStarted!: () => void;
      const started = new Promise<void>((resolve) => (firstStarted = resolve));

      const first = requests.withDeviceLocked(
        deviceId,
        async () => {
          order.push('first in');
          firstStarted();
          await firstHolds;
          order.push('first out');
        },
        { maxWaitMs: 5000 },
      );
      await started;
      const second = requests.withDeviceLocked(
        deviceId,
        async (tx) => {
          order.push('second in');
          await requests.create(newRequest(deviceId), tx);
          throw new Error('changed my mind');
        },
        { maxWaitMs: 5000 },
      );
      // The second waits on the lock, not on a connection: a third device is not held up.
      await requests.withDeviceLocked(await newDevice(), async () => order.push('other device'), {
        maxWaitMs: 5000,
      });
      releaseFirst();
      await first;
      await expect(second).rejects.toThrow('changed my mind');

      expect(order).toEqual(['first in', 'other device', 'first out', 'second in']);
      expect(await prisma.certificateRequest.count({ where: { deviceId } })).toBe(0);
    });

    it('should refuse a device id that is not a UUID before taking a connection (it is sent as a literal)', () => {
      expect(() =>
        requests.withDeviceLocked("x', 0)); DROP TABLE devices; --", async () => 'ran', { maxWaitMs: 200 }),
      ).toThrow(TypeError);
    });

    it('should give up with PoolWaitTimeoutError when no connection frees in time, and still work after', async () => {
      const held = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      try {
        await expect(
          requests.withDeviceLocked(UNKNOWN_DEVICE, async () => 'ran', { maxWaitMs: 200 }),
        ).rejects.toBeInstanceOf(PoolWaitTimeoutError);
      } finally {
        held.forEach((client) => client.release());
      }
      expect(await requests.withDeviceLocked(await newDevice(), async () => 'ran', { maxWaitMs: 200 })).toBe(
        'ran',
      );
    });
  });
});
