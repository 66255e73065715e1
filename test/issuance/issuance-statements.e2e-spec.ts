import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import {
  CertificateRepository,
  CertificateRequestRepository,
  ChallengeRepository,
  createPgPool,
  createPrismaClientOnPool,
  PrismaClient,
  RateLimitRepository,
} from '@fleetcert/db';
import { bucketId, LETS_ENCRYPT } from '@fleetcert/ratelimit';
import { isolatedDatabase } from '../support/isolated-database';

const ZONE = 'statements.fleet.test';
const HOUR = 3600_000;

/**
 * The worker's per-order statements (prepared, on the shared pool) against a real
 * Postgres: what they change and what they leave alone.
 */
describe('Issuance statements', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: Pool;
  let prisma: PrismaClient;
  let requests: CertificateRequestRepository;
  let certificates: CertificateRepository;
  let challenges: ChallengeRepository;
  let fleetId: string;

  beforeAll(async () => {
    db = await isolatedDatabase('statements');
    pool = createPgPool(db.url, { poolSize: 3 });
    prisma = createPrismaClientOnPool(pool, undefined);
    requests = new CertificateRequestRepository(prisma, pool);
    certificates = new CertificateRepository(prisma, pool);
    challenges = new ChallengeRepository(prisma, pool);
    fleetId = (
      await prisma.fleet.create({ data: { name: 'statements', zone: ZONE, defaultProfile: 'tlsserver' } })
    ).id;
  }, 30_000);

  afterAll(async () => {
    await prisma?.$disconnect();
    await pool?.end();
    await db?.drop();
  });

  async function device(status: 'active' | 'disabled' = 'active'): Promise<{ id: string; hostname: string }> {
    const label = `d${randomBytes(5).toString('hex')}`;
    return prisma.device.create({
      data: { fleetId, identifier: label, label, hostname: `${label}.${ZONE}`, status },
    });
  }

  async function request(
    deviceId: string,
    hostname: string,
    data: { status?: 'pending' | 'deferred' | 'valid'; deferredUntil?: Date; createdAt?: Date } = {},
  ) {
    return prisma.certificateRequest.create({
      data: {
        deviceId,
        identifiers: [{ type: 'dns', value: hostname }],
        identifierSet: `dns:${hostname}`,
        csrPem: 'csr',
        csrSha256: randomBytes(32).toString('hex'),
        publicKeySha256: randomBytes(32).toString('hex'),
        challengeType: 'dns_01',
        ...data,
      },
    });
  }

  async function certificate(requestId: string, deviceId: string, identifierSet: string) {
    return prisma.certificate.create({
      data: {
        requestId,
        deviceId,
        identifierSet,
        serial: randomBytes(8).toString('hex'),
        ariCertId: randomBytes(8).toString('base64url'),
        notBefore: new Date(Date.now() - HOUR),
        notAfter: new Date(Date.now() + 90 * 24 * HOUR),
        chainPem: 'pem',
        publicKeySha256: 'k',
        renewAt: new Date(Date.now() + 60 * 24 * HOUR),
        nextCheckAt: new Date(Date.now() + 24 * HOUR),
      },
    });
  }

  function issued(requestId: string, revokeSupersededAt: Date | null = null) {
    return {
      requestId,
      serial: randomBytes(8).toString('hex'),
      ariCertId: randomBytes(8).toString('base64url'),
      notBefore: new Date('2026-11-22T06:59:59.000Z'),
      notAfter: new Date('2027-02-20T06:59:59.000Z'),
      chainPem: 'chain',
      publicKeySha256: 'k2',
      renewalStart: new Date('2027-01-21T06:59:59.000Z'),
      renewalEnd: new Date('2027-01-31T06:59:59.000Z'),
      renewAt: new Date('2027-01-25T12:00:00.000Z'),
      nextCheckAt: new Date('2026-11-23T06:00:00.000Z'),
      revokeSupersededAt,
    };
  }

  describe('CertificateRequestRepository.beginAttempt', () => {
    it('should start an open request and return it as it was, with its device and fleet', async () => {
      const d = await device();
      const r = await request(d.id, d.hostname, {
        status: 'deferred',
        deferredUntil: new Date(Date.now() - 1000),
      });
      const now = new Date();

      const attempt = await requests.beginAttempt(r.id, now);

      expect(attempt).toEqual({
        started: true,
        issuedSince: false,
        request: expect.objectContaining({
          id: r.id,
          deviceId: d.id,
          status: 'deferred',
          challengeType: 'dns_01',
          identifiers: [{ type: 'dns', value: d.hostname }],
          createdAt: r.createdAt,
          device: { status: 'active', fleet: { defaultProfile: 'tlsserver' } },
          leftoverDns01: [],
        }),
      });
      expect(await prisma.certificateRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
        status: 'processing',
        attempts: 1,
        deferredUntil: null,
        updatedAt: now,
      });
    });

    it('should leave alone a request deferred past now, a finished one and one of a disabled device', async () => {
      const d = await device();
      const until = new Date(Date.now() + HOUR);
      const deferred = await request(d.id, d.hostname, { status: 'deferred', deferredUntil: until });
      const finished = await request(d.id, d.hostname, { status: 'valid' });
      const disabled = await device('disabled');
      const ofDisabled = await request(disabled.id, disabled.hostname);

      const results = await Promise.all(
        [deferred, finished, ofDisabled].map((r) => requests.beginAttempt(r.id, new Date())),
      );

      expect(results.map((a) => a!.started)).toEqual([false, false, false]);
      expect(results[0]!.request.deferredUntil).toEqual(until);
      expect(results[1]!.request.status).toBe('valid');
      expect(results[2]!.request.device.status).toBe('disabled');
      for (const r of [deferred, finished, ofDisabled]) {
        expect(await prisma.certificateRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
          status: r.status,
          attempts: 0,
          updatedAt: r.updatedAt,
        });
      }
    });

    it('should return the dns-01 challenges whose TXT record may be left in the zone, and null for an unknown id', async () => {
      const d = await device();
      const r = await request(d.id, d.hostname);
      const chosen = (n: number, type: 'dns_01' | 'http_01' = 'dns_01') => ({
        requestId: r.id,
        type,
        identifierType: 'dns',
        identifierValue: d.hostname,
        authorizationUrl: `https://ca.test/authz/${n}`,
        challengeUrl: `https://ca.test/chall/${n}`,
        token: `token${n}`,
        keyAuthorization: `txt${n}`,
      });
      const presented = await challenges.upsert(chosen(1), 'presented');
      const pending = await challenges.upsert(chosen(2));
      await challenges.upsert(chosen(3), 'valid');
      await challenges.upsert(chosen(4, 'http_01'), 'presented');

      const attempt = await requests.beginAttempt(r.id, new Date());

      expect(attempt!.request.leftoverDns01).toEqual(expect.arrayContaining([presented, pending]));
      expect(attempt!.request.leftoverDns01).toHaveLength(2);
      expect(await requests.beginAttempt('00000000-0000-4000-8000-000000000000', new Date())).toBeNull();
    });

    it('should tell whether its identifier set was issued since a moment, when asked', async () => {
      const d = await device();
      await certificates.storeIssued(issued((await request(d.id, d.hostname)).id), new Date());
      const other = await device();
      const [r, ofOther] = await Promise.all([request(d.id, d.hostname), request(other.id, other.hostname)]);
      // issued() has notBefore 2026-11-22T06:59:59.000Z.
      const issuedSince = (id: string, since: string | null) =>
        requests
          .beginAttempt(id, new Date(), since === null ? null : new Date(since))
          .then((a) => a!.issuedSince);

      expect(await issuedSince(r.id, '2026-11-22T06:59:59.000Z')).toBe(true);
      expect(await issuedSince(r.id, '2026-11-22T07:00:00.000Z')).toBe(false);
      expect(await issuedSince(r.id, null)).toBe(false);
      expect(await issuedSince(ofOther.id, '2000-01-01T00:00:00.000Z')).toBe(false);
    });
  });

  describe('ChallengeRepository.upsert', () => {
    it('should set the status it is given, and otherwise leave an existing row its own unless its key authorization changed', async () => {
      const d = await device();
      const r = await request(d.id, d.hostname);
      const chosen = {
        requestId: r.id,
        type: 'http_01' as const,
        identifierType: 'ip',
        identifierValue: '192.0.2.1',
        authorizationUrl: 'https://ca.test/authz/x',
        challengeUrl: 'https://ca.test/chall/x',
        token: 'tokenx',
        keyAuthorization: 'ka1',
        expiresAt: new Date('2026-11-29T00:00:00.000Z'),
      };

      const created = await challenges.upsert(chosen);
      expect(created.status).toBe('pending');
      await challenges.setStatus(created.id, 'cleaned');
      const again = await challenges.upsert(chosen);
      // The account key was rolled over: a pull-mode device must fetch the new value.
      const rekeyed = await challenges.upsert({ ...chosen, keyAuthorization: 'ka2' });
      const valid = await challenges.upsert(chosen, 'valid');

      expect(again).toEqual({ ...created, status: 'cleaned' });
      expect(rekeyed).toEqual({ ...created, status: 'pending', keyAuthorization: 'ka2' });
      expect(valid.status).toBe('valid');
      expect(await prisma.challenge.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({
        type: 'http_01',
        status: 'valid',
        expiresAt: chosen.expiresAt,
      });
    });
  });

  describe('CertificateRepository.storeIssued', () => {
    it('should store the certificate, supersede older ones and the replaced one, and complete the request', async () => {
      const d = await device();
      const set = `dns:${d.hostname}`;
      const older = await request(d.id, d.hostname, {
        status: 'valid',
        createdAt: new Date(Date.now() - 2 * HOUR),
      });
      const olderCert = await certificate(older.id, d.id, set);
      const otherSet = await request(d.id, d.hostname, { status: 'valid' });
      const replaced = await certificate(otherSet.id, d.id, 'dns:other.example');
      const r = await request(d.id, d.hostname);
      await prisma.certificateRequest.update({
        where: { id: r.id },
        data: { status: 'processing', errorType: 'x', errorDetail: 'y', replacesCertificateId: replaced.id },
      });
      const revokeAt = new Date('2026-11-23T07:00:00.000Z');
      const now = new Date('2026-11-22T07:00:00.123Z');

      const id = await certificates.storeIssued(issued(r.id, revokeAt), now);

      const stored = await prisma.certificate.findUniqueOrThrow({ where: { id } });
      const { revokeSupersededAt, ...fields } = issued(r.id);
      expect(revokeSupersededAt).toBeNull();
      expect(stored).toMatchObject({
        ...fields,
        serial: stored.serial,
        ariCertId: stored.ariCertId,
        deviceId: d.id,
        identifierSet: set,
        supersededById: null,
        createdAt: now,
      });
      for (const old of [olderCert, replaced]) {
        expect(await prisma.certificate.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({
          supersededById: id,
          supersededAt: now,
          renewAt: null,
          nextCheckAt: revokeAt,
        });
      }
      expect(await prisma.certificateRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
        status: 'valid',
        completedAt: now,
        updatedAt: now,
        errorType: null,
        errorDetail: null,
        deferredUntil: null,
      });
    });

    it('should store a certificate superseded at once when a newer request already has a live one', async () => {
      const d = await device();
      const set = `dns:${d.hostname}`;
      const r = await request(d.id, d.hostname, { createdAt: new Date(Date.now() - HOUR) });
      const newer = await request(d.id, d.hostname, { status: 'valid' });
      const newerCert = await certificate(newer.id, d.id, set);
      const now = new Date();

      const id = await certificates.storeIssued(issued(r.id), now);

      expect(await prisma.certificate.findUniqueOrThrow({ where: { id } })).toMatchObject({
        supersededById: newerCert.id,
        supersededAt: now,
        renewAt: null,
        nextCheckAt: null,
      });
      expect(await prisma.certificate.findUniqueOrThrow({ where: { id: newerCert.id } })).toMatchObject({
        supersededById: null,
        renewAt: newerCert.renewAt,
      });
    });

    it('should refill the rate-limit buckets it is given, and only those', async () => {
      const rateLimits = new RateLimitRepository(prisma, pool);
      const consecutive = LETS_ENCRYPT.limits.consecutiveAuthorizationFailuresPerIdentifier!;
      const d = await device();
      const spend = (key: string) => ({ limit: consecutive, key, cost: 1, check: false, spend: true });
      const refs = ['a', 'b', 'c'].map((k) => ({ limit: consecutive.name, key: `${k}.${d.hostname}` }));
      for (const ref of refs) await rateLimits.apply('acme-test', [spend(ref.key)]);
      await rateLimits.apply('other-account', [spend(refs[0].key)]);
      const r = await request(d.id, d.hostname);

      await certificates.storeIssued(issued(r.id), new Date(), {
        scope: 'acme-test',
        buckets: refs.slice(0, 2),
      });

      expect([...(await rateLimits.tats('acme-test', refs)).keys()]).toEqual([bucketId(refs[2])]);
      expect((await rateLimits.tats('other-account', refs)).size).toBe(1);
    });
  });
});
