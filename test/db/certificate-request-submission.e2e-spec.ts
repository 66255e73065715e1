import { join } from 'node:path';
import { migrate } from '../../libs/db/src/migrate';
import { createPgPool } from '../../libs/db/src/pg-pool';
import { createPrismaClientOnPool } from '../../libs/db/src/prisma-client';
import {
  CertificateRequestRepository,
  NewRequest,
  RequestWithCertificate,
  NOTHING_FOUND,
  SubmissionQuery,
  SubmittedRequest,
} from '../../libs/db/src/repositories/certificate-request.repository';
import { lockDeviceSql } from '../../libs/db/src/repositories/certificate-request.submission-sql';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from './test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');
const DAY = 86_400_000;

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

  /**
   * Stores a fixture request through the one insert path there is, the submission's
   * compare-and-insert: on the state as it is, which nothing changes meanwhile here.
   */
  async function create(r: NewRequest): Promise<RequestWithCertificate> {
    const { deviceId, idempotencyKey, csrSha256, identifierSet, isRenewal: _, ...submitted } = r;
    const q: SubmissionQuery = { deviceId, idempotencyKey, csrSha256, identifierSet, withLive: false };
    const { version } = await requests.submissionState(q);
    const outcome = await requests.createIfUnchanged(q, version, submitted);
    if (!('created' in outcome)) throw new Error('the fixture state changed under the test');
    return outcome.created;
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

  const query = (deviceId: string, s: Partial<SubmissionQuery> = {}): SubmissionQuery => ({
    deviceId,
    csrSha256: 'none'.padEnd(64, '0'),
    identifierSet: 'dns:d.sub.example.test',
    withLive: false,
    ...s,
  });
  const state = async (deviceId: string, s: Partial<SubmissionQuery> = {}) =>
    (await requests.submissionState(query(deviceId, s))).state;

  describe('storing a request (fleetcert_submit_request)', () => {
    it('should store the request as Prisma reads it, and return the same', async () => {
      const deviceId = await newDevice();
      const deferredUntil = new Date(Date.now() + 3_600_000);
      const created = await create(
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
      const created = await create(newRequest(deviceId));
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
      const request = await create(newRequest(deviceId));
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
      const earlier = await create(newRequest(deviceId, { idempotencyKey: 'boot-7' }));
      await create(newRequest(other, { idempotencyKey: 'boot-8' }));

      expect((await state(deviceId, { idempotencyKey: 'boot-7' })).idempotent).toEqual({
        id: earlier.id,
        csrSha256: earlier.csrSha256,
      });
      expect((await state(deviceId, { idempotencyKey: 'boot-8' })).idempotent).toBeNull();
      expect((await state(deviceId)).idempotent).toBeNull();
    });

    it('should find the newest open request for the CSR, and none once it is valid or failed', async () => {
      const deviceId = await newDevice();
      const first = await create(newRequest(deviceId));
      const csrSha256 = first.csrSha256;
      const second = await create(newRequest(deviceId, { csrSha256, status: 'deferred' }));
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
        const request = await create(newRequest(deviceId, { status: 'valid' }));
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
      const open = await create(newRequest(deviceId, { status: 'processing' }));
      const live = await create(newRequest(deviceId, { status: 'valid' }));
      const issued = await certificateFor(live.id, deviceId, {
        notBefore: new Date(now - DAY),
        createdAt: new Date(now - DAY + 123),
      });
      const expired = await create(newRequest(deviceId, { status: 'valid' }));
      await certificateFor(expired.id, deviceId, {
        notBefore: new Date(now - 9 * DAY),
        notAfter: new Date(now - DAY),
      });
      const revoked = await create(newRequest(deviceId, { status: 'valid' }));
      await certificateFor(
        revoked.id,
        deviceId,
        { notBefore: new Date(now - DAY) },
        { revokedAt: new Date() },
      );
      await create(newRequest(deviceId, { status: 'failed' }));
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

  describe('createIfUnchanged', () => {
    function submitted(extra: Partial<SubmittedRequest> = {}): SubmittedRequest {
      n++;
      return {
        identifiers: [{ type: 'dns', value: 'd.sub.example.test' }],
        csrPem: `-----BEGIN CERTIFICATE REQUEST-----\nMB${n}\n-----END CERTIFICATE REQUEST-----`,
        publicKeySha256: `key${n}`.padEnd(64, '0'),
        challengeType: 'dns_01',
        ...extra,
      };
    }
    const csr = () => `csr${++n}`.padEnd(64, '0');

    it('should store the request as Prisma reads it when nothing is found, as the null version says', async () => {
      const deviceId = await newDevice();
      const deferredUntil = new Date(Date.now() + 3_600_000);
      const q = query(deviceId, {
        csrSha256: csr(),
        identifierSet: 'ip:192.0.2.1',
        idempotencyKey: 'boot-1',
        withLive: true,
      });
      const outcome = await requests.createIfUnchanged(
        q,
        null,
        submitted({
          identifiers: [{ type: 'ip', value: '192.0.2.1' }],
          challengeType: 'http_01',
          http01Mode: 'pull',
          profile: 'shortlived',
          status: 'deferred',
          deferredUntil,
        }),
      );

      if (!('created' in outcome)) throw new Error(`not stored: ${JSON.stringify(outcome)}`);
      const stored = await prisma.certificateRequest.findUniqueOrThrow({
        where: { id: outcome.created.id },
        include: { certificate: true },
      });
      expect(outcome.created).toEqual(stored);
      expect(stored).toMatchObject({
        deviceId,
        csrSha256: q.csrSha256,
        identifierSet: 'ip:192.0.2.1',
        idempotencyKey: 'boot-1',
        status: 'deferred',
        challengeType: 'http_01',
        http01Mode: 'pull',
        profile: 'shortlived',
        deferredUntil,
        isRenewal: false,
        replacesCertificateId: null,
        certificate: null,
      });
      expect(stored.updatedAt).toEqual(stored.createdAt);
    });

    it('should store nothing when the state is not the one decided on, and answer with it to decide again', async () => {
      const deviceId = await newDevice();
      const q = query(deviceId, { csrSha256: csr(), withLive: true });
      const open = await create(newRequest(deviceId, { csrSha256: q.csrSha256 }));

      const first = await requests.createIfUnchanged(q, null, submitted());
      if (!('changed' in first)) throw new Error('stored although a request for the CSR is open');
      expect(first.changed.state.openId).toBe(open.id);
      expect(first.changed).toEqual(await requests.submissionState(q));

      // Decided on that state: stored. The state it was decided on is then gone.
      await prisma.certificateRequest.update({ where: { id: open.id }, data: { status: 'failed' } });
      const read = await requests.submissionState(q);
      expect(read.version).not.toBe(first.changed.version);
      const second = await requests.createIfUnchanged(q, read.version, submitted());
      expect(second).toHaveProperty('created.deviceId', deviceId);
      const stale = await requests.createIfUnchanged(q, read.version, submitted());
      expect(stale).toHaveProperty('changed');
      expect(await prisma.certificateRequest.count({ where: { deviceId } })).toBe(2);
    });

    it('should read NOTHING_FOUND for a device without requests, whatever was asked', async () => {
      const deviceId = await newDevice();
      for (const withLive of [true, false]) {
        expect(
          (await requests.submissionState(query(deviceId, { withLive, idempotencyKey: 'k' }))).state,
        ).toEqual(NOTHING_FOUND);
      }
    });

    it('should create one request when the same submission arrives many times at once', async () => {
      const deviceId = await newDevice();
      const q = query(deviceId, { csrSha256: csr(), withLive: true });
      const request = submitted();
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () => requests.createIfUnchanged(q, null, request)),
      );
      expect(outcomes.filter((o) => 'created' in o)).toHaveLength(1);
      expect(await prisma.certificateRequest.count({ where: { deviceId } })).toBe(1);
    });

    it("should wait for the device's lock and then see what its holder stored", async () => {
      const deviceId = await newDevice();
      const q = query(deviceId, { csrSha256: csr() });
      const holder = await pool.connect();
      try {
        await holder.query(`BEGIN; ${lockDeviceSql(deviceId)}`);
        const waiting = requests.createIfUnchanged(q, null, submitted());
        await waitForAdvisoryLockWaiter();
        // Stored while the submission waits: its read must come after the lock, not before.
        // (Inserted in the lock holder's own transaction: the submission path would wait for the lock.)
        await holder.query(
          `INSERT INTO certificate_requests
                  (id, "deviceId", identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
                   "challengeType", "updatedAt")
           VALUES (gen_random_uuid(), $1, '[]', $2, 'csr', $3, $4, 'dns-01', now())`,
          [deviceId, q.identifierSet, q.csrSha256, 'held'.padEnd(64, '0')],
        );
        await holder.query('COMMIT');
        expect(await waiting).toHaveProperty('changed.state.openId');
      } finally {
        holder.release();
      }
      expect(await prisma.certificateRequest.count({ where: { deviceId } })).toBe(1);
    });

    async function waitForAdvisoryLockWaiter(): Promise<void> {
      for (const started = Date.now(); Date.now() - started < 5000;) {
        const { rows } = await pool.query(
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database =
             (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        if (rows.length > 0) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error('no submission waits for the device lock');
    }

    describe('group commit (submissions arriving together share one statement)', () => {
      /** The repository on a pool that counts the submission statements sent through it. */
      function countingRepository() {
        const sent: number[] = []; // submissions per statement
        const counted = new Proxy(pool, {
          get(target, prop, receiver) {
            if (prop !== 'query') return Reflect.get(target, prop, receiver);
            return (config: { name?: string; values?: string[] }, ...rest: unknown[]) => {
              if (config?.name === 'certificateRequests.submitMany') {
                sent.push((JSON.parse(config.values![0]) as unknown[]).length);
              }
              return (target.query as (...args: unknown[]) => unknown)(config, ...rest);
            };
          },
        });
        return { repository: new CertificateRequestRepository(prisma, counted), sent };
      }

      it("should store many devices' submissions with one statement, each answered with its own request", async () => {
        const { repository, sent } = countingRepository();
        const devices = await Promise.all(Array.from({ length: 20 }, () => newDevice()));
        const asked = devices.map((deviceId) => ({
          q: query(deviceId, { csrSha256: csr() }),
          r: submitted(),
        }));

        const outcomes = await Promise.all(asked.map(({ q, r }) => repository.createIfUnchanged(q, null, r)));

        expect(sent).toEqual([20]);
        outcomes.forEach((outcome, i) => {
          if (!('created' in outcome)) throw new Error(`submission ${i} was not stored`);
          expect(outcome.created).toMatchObject({
            deviceId: devices[i],
            csrSha256: asked[i].q.csrSha256,
            publicKeySha256: asked[i].r.publicKeySha256,
          });
        });
        const stored = await prisma.certificateRequest.findMany({ where: { deviceId: { in: devices } } });
        expect(stored).toHaveLength(20);
      });

      it("should give one submission's failure to it alone, storing the others", async () => {
        const { repository } = countingRepository();
        const devices = await Promise.all(Array.from({ length: 4 }, () => newDevice()));
        const gone = '00000000-0000-4000-8000-000000000000'; // no such device: the insert breaks its foreign key
        const outcomes = await Promise.allSettled(
          [...devices, gone].map((deviceId) =>
            repository.createIfUnchanged(query(deviceId, { csrSha256: csr() }), null, submitted()),
          ),
        );

        expect(outcomes.slice(0, 4).map((o) => o.status)).toEqual(Array(4).fill('fulfilled'));
        expect(outcomes[4]).toMatchObject({ status: 'rejected', reason: { code: '23503' } });
        expect(await prisma.certificateRequest.count({ where: { deviceId: { in: devices } } })).toBe(4);
      });

      it('should put a device twice in separate statements, the second seeing what the first stored', async () => {
        const { repository, sent } = countingRepository();
        const [a, b] = await Promise.all([newDevice(), newDevice()]);
        const sameCsr = query(a, { csrSha256: csr() });
        const outcomes = await Promise.all([
          repository.createIfUnchanged(sameCsr, null, submitted()),
          repository.createIfUnchanged(query(b, { csrSha256: csr() }), null, submitted()),
          repository.createIfUnchanged(sameCsr, null, submitted()),
        ]);

        expect(sent).toEqual([2, 1]);
        expect(outcomes.map((o) => Object.keys(o)[0])).toEqual(['created', 'created', 'changed']);
        const first = outcomes[0] as { created: RequestWithCertificate };
        expect(outcomes[2]).toHaveProperty('changed.state.openId', first.created.id);
      });
    });
  });
});
