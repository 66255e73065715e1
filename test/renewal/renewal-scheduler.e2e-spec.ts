import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { AcmeClientCa } from '@fleetcert/acme';
import { AppConfig } from '@fleetcert/config';
import {
  Certificate,
  createPgPool,
  createPrismaClientOnPool,
  PrismaClient,
  RenewalRepository,
  schemaOf,
} from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import { identifierSetKey, parseCertificateChain, parseCsr } from '@fleetcert/pki';
import { createRedisConnection, ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';
import { initialPlan } from '../../apps/worker/src/renewal/renewal-plan';
import { IssuanceEnqueuer, RenewalService } from '../../apps/worker/src/renewal/renewal.service';
import { InMemoryAccountStore } from '../../libs/acme/src/testing/in-memory-account-store';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { seedFleet } from '../../bench/seed-fleet';
import { IssuingFixtureCa } from '../acme/support/issuing-fixture-ca';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';

const DAY = 86_400_000;
const ZONE = 'sched.fleet.test';

/**
 * The renewal pass in-process, against a real Postgres and the scripted ARI CA: what it
 * asks the CA, what it stores and enqueues, and that passes running side by side (as on
 * several workers) never renew a certificate twice.
 */
describe('RenewalService (renewal scheduler pass)', () => {
  let db: Awaited<ReturnType<typeof isolatedDatabase>>;
  let prisma: PrismaClient;
  let pool: Pool;
  let fixture: IssuingFixtureCa;
  let ca: AcmeClientCa;
  let queue: Queue;
  let redis: ReturnType<typeof createRedisConnection>;
  let enqueuer: IssuanceEnqueuer;
  let fleetId: string;
  const extraClients: PrismaClient[] = [];

  /** A pool of its own and the Prisma client on it, as a worker process has (`DbModule`). */
  function connect(poolSize: number): { pool: Pool; prisma: PrismaClient } {
    const own = createPgPool(db.url, { poolSize });
    return { pool: own, prisma: createPrismaClientOnPool(own, schemaOf(db.url), { ownsPool: true }) };
  }

  beforeAll(async () => {
    // The service logs each renewal; the assertions say what matters.
    Logger.overrideLogger(false);
    // A database of its own: a pass works on every certificate it holds.
    db = await isolatedDatabase('renewal_pass');
    ({ pool, prisma } = connect(4));
    fixture = new IssuingFixtureCa();
    await fixture.start();
    ca = new AcmeClientCa({
      directoryUrl: fixture.directoryUrl,
      accountStore: new InMemoryAccountStore(),
      account: { termsOfServiceAgreed: true, contact: [] },
      retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
      requestTimeoutMs: 2000,
    });
    const config = settings();
    redis = createRedisConnection(config.redis.url, 'worker', 'test-renewal');
    queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: config.redis.prefix });
    enqueuer = {
      enqueue: async (id) => void (await queue.add('issue', { requestId: id }, issueJobOptions(id))),
    };
    fleetId = (
      await prisma.fleet.create({ data: { name: `sched-${randomBytes(3).toString('hex')}`, zone: ZONE } })
    ).id;
  }, 30_000);

  afterAll(async () => {
    ca?.close();
    await queue?.close();
    redis?.disconnect();
    await fixture?.stop();
    await Promise.all([prisma, ...extraClients].map((p) => p?.$disconnect()));
    await db?.drop();
  });

  beforeEach(() => {
    fixture.renewalInfo = undefined;
    fixture.requests.length = 0;
  });

  function settings(overrides: Record<string, string> = {}): AppConfig {
    return testConfig({
      DATABASE_URL: db.url,
      FLEETCERT_ACME_DIRECTORY_URL: fixture.directoryUrl,
      FLEETCERT_FLEET_ZONE: ZONE,
      FLEETCERT_RENEWAL_BATCH_SIZE: '25',
      ...overrides,
    });
  }

  function service(
    overrides: Record<string, string> = {},
    conn = { pool, prisma },
    acme = ca,
  ): RenewalService {
    const renewals = new RenewalRepository(conn.prisma, conn.pool);
    return new RenewalService(renewals, acme, settings(overrides), new Metrics('test'));
  }

  /** A device with a certificate the fixture CA really issued for its hostname. */
  /** A device with a certificate the fixture CA really issued for its hostname (or its address `ipv4`). */
  async function deviceWithCertificate(
    opts: { ipv4?: string } = {},
  ): Promise<{ cert: Certificate; csrPem: string; hostname: string; deviceId: string }> {
    const label = `d${randomBytes(5).toString('hex')}`;
    const hostname = `${label}.${ZONE}`;
    const device = await prisma.device.create({
      data: { fleetId, identifier: label, label, hostname, ipv4: opts.ipv4 },
    });
    const identifiers = opts.ipv4
      ? [{ type: 'ip' as const, value: opts.ipv4 }]
      : [{ type: 'dns' as const, value: hostname }];
    const csrPem = await makeCsr({
      keys: await generateKeys({ ec: 'P-256' }),
      ...(opts.ipv4 ? { ips: [opts.ipv4] } : { dns: [hostname] }),
    });
    const csr = await parseCsr(csrPem);
    const order = await ca.createOrder({ identifiers });
    const chain = await ca.downloadCertificate(await ca.finalize(order, csr.der));
    const parsed = parseCertificateChain(chain);
    const request = await prisma.certificateRequest.create({
      data: {
        deviceId: device.id,
        status: 'valid',
        identifiers,
        identifierSet: identifierSetKey(identifiers),
        csrPem,
        csrSha256: csr.csrSha256,
        publicKeySha256: csr.publicKeySha256,
        challengeType: opts.ipv4 ? 'http_01' : 'dns_01',
        completedAt: new Date(),
      },
    });
    const plan = initialPlan(parsed.notBefore, parsed.notAfter, { ari: true, now: Date.now() });
    const cert = await prisma.certificate.create({
      data: {
        requestId: request.id,
        deviceId: device.id,
        serial: parsed.serialHex,
        ariCertId: parsed.ariCertId!,
        identifierSet: request.identifierSet,
        notBefore: parsed.notBefore,
        notAfter: parsed.notAfter,
        chainPem: parsed.chainPem,
        publicKeySha256: parsed.publicKeySha256,
        ...plan,
      },
    });
    return { cert, csrPem, hostname, deviceId: device.id };
  }

  const renewalInfoGets = (certId?: string) =>
    fixture.requests.filter(
      (r) =>
        r.method === 'GET' && r.path.startsWith('/renewal-info/') && (!certId || r.path.endsWith(certId)),
    );

  const reload = (id: string) => prisma.certificate.findUniqueOrThrow({ where: { id } });

  it('should store only the schedule fields it is given, and clear renewAt only when told to', async () => {
    const { cert } = await deviceWithCertificate();
    const renewals = new RenewalRepository(prisma, pool);
    const base = Date.now() + DAY;
    const at = (ms: number) => new Date(base + ms);

    await renewals.schedule(cert.id, { nextCheckAt: at(123) });
    expect(await reload(cert.id)).toMatchObject({
      nextCheckAt: at(123),
      renewalStart: cert.renewalStart,
      renewalEnd: cert.renewalEnd,
      renewAt: cert.renewAt,
      ariCheckedAt: cert.ariCheckedAt,
    });

    const full = {
      renewalStart: at(1),
      renewalEnd: at(2),
      renewAt: at(3),
      ariCheckedAt: at(4),
      nextCheckAt: at(5),
    };
    await renewals.schedule(cert.id, full);
    expect(await reload(cert.id)).toMatchObject(full);

    await renewals.schedule(cert.id, { renewAt: null, nextCheckAt: null });
    expect(await reload(cert.id)).toMatchObject({ ...full, renewAt: null, nextCheckAt: null });
  });

  // The interleaving CI met in renewal-pebble.e2e-spec.ts: a pass claimed the certificate,
  // an operator revoked it, and the pass's decision then scheduled it again.
  it('should not schedule a certificate revoked after a pass claimed it', async () => {
    const { cert } = await deviceWithCertificate();
    const renewals = new RenewalRepository(prisma, pool);
    await renewals.schedule(cert.id, { nextCheckAt: new Date(Date.now() - 1000) });
    const now = Date.now();
    const claimed = await renewals.claimDue(new Date(now), new Date(now + 60_000), 100);
    expect(claimed.map((c) => c.id)).toContain(cert.id);
    expect(claimed.find((c) => c.id === cert.id)!.revokedAt).toBeNull();

    await renewals.markRevoked(cert.id, 'keyCompromise', new Date());
    // What the pass decided on the row as it claimed it: renew later, look again soon.
    await renewals.schedule(cert.id, {
      renewAt: new Date(now + DAY),
      ariCheckedAt: new Date(now),
      nextCheckAt: new Date(now + 3_600_000),
    });
    expect(await reload(cert.id)).toMatchObject({
      revokedReason: 'keyCompromise',
      nextCheckAt: null,
      renewAt: null,
      ariCheckedAt: new Date(now),
    });
  });

  it('should keep what a supersession planned when a pass decided on the certificate as live', async () => {
    const { cert } = await deviceWithCertificate();
    const { cert: replacement } = await deviceWithCertificate();
    const renewals = new RenewalRepository(prisma, pool);
    // Only a stand-in for the replacement: not due, so the next tests' passes leave it alone.
    await renewals.schedule(replacement.id, { nextCheckAt: null });
    const now = Date.now();
    // Superseded after the pass claimed it live: the issuing worker planned its revocation.
    const revokeAt = new Date(now + 7 * DAY);
    await prisma.certificate.update({
      where: { id: cert.id },
      data: {
        supersededById: replacement.id,
        supersededAt: new Date(now),
        renewAt: null,
        nextCheckAt: revokeAt,
      },
    });
    await renewals.schedule(cert.id, {
      renewAt: new Date(now + DAY),
      nextCheckAt: new Date(now + 3_600_000),
    });
    expect(await reload(cert.id)).toMatchObject({ nextCheckAt: revokeAt, renewAt: null });

    // A pass that saw it superseded decides its next look itself (the revocation's grace).
    const later = new Date(now + 8 * DAY);
    await renewals.schedule(cert.id, { nextCheckAt: later }, 'superseded');
    expect(await reload(cert.id)).toMatchObject({ nextCheckAt: later, renewAt: null });
  });

  it("should poll renewalInfo for the RFC 9773 certID, renew inside the CA's window and poll again at Retry-After", async () => {
    const { cert } = await deviceWithCertificate();
    // The certID is base64url(AKI keyIdentifier) "." base64url(serial DER bytes), no padding.
    expect(cert.ariCertId).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(cert.ariCertId.split('.')[1], 'base64url').toString('hex')).toBe(cert.serial);
    const window = { start: new Date(Date.now() + 2 * DAY), end: new Date(Date.now() + 3 * DAY) };
    fixture.renewalInfo = () => ({
      status: 200,
      body: { suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() } },
      headers: { 'retry-after': '7200' },
    });

    const before = Date.now();
    const first = await service().runPass(enqueuer);
    expect(first).toMatchObject({ examined: 1, ariPolls: 1, renewalsStarted: 0 });
    expect(renewalInfoGets(cert.ariCertId)).toHaveLength(1);
    const planned = await reload(cert.id);
    expect(planned.renewalStart).toEqual(window.start);
    expect(planned.renewalEnd).toEqual(window.end);
    expect(planned.renewAt!.getTime()).toBeGreaterThanOrEqual(window.start.getTime());
    expect(planned.renewAt!.getTime()).toBeLessThanOrEqual(window.end.getTime());
    expect(planned.ariCheckedAt).not.toBeNull();
    // Not before the CA's Retry-After: the renewal moment is later than that.
    expect(planned.nextCheckAt!.getTime()).toBeGreaterThanOrEqual(before + 7200_000);
    expect(planned.nextCheckAt!.getTime()).toBeLessThanOrEqual(Date.now() + 7200_000);

    // Nothing is due now: another pass asks the CA nothing.
    expect(await service().runPass(enqueuer)).toMatchObject({ examined: 0, ariPolls: 0 });
    expect(renewalInfoGets(cert.ariCertId)).toHaveLength(1);

    // At the next poll the window is unchanged: the chosen moment stays (no re-draw).
    await prisma.certificate.update({ where: { id: cert.id }, data: { nextCheckAt: new Date() } });
    await service().runPass(enqueuer);
    expect(renewalInfoGets(cert.ariCertId)).toHaveLength(2);
    expect((await reload(cert.id)).renewAt).toEqual(planned.renewAt);
  });

  it('should renew with `replaces` and the same CSR once the window opens, and only once', async () => {
    const { cert, csrPem } = await deviceWithCertificate();
    fixture.renewalInfo = () => ({
      status: 200,
      body: {
        suggestedWindow: {
          start: new Date(Date.now() - 3600_000).toISOString(),
          end: new Date(Date.now() - 60_000).toISOString(),
        },
      },
    });
    const result = await service().runPass(enqueuer);
    expect(result).toMatchObject({ examined: 1, ariPolls: 1, renewalsStarted: 1 });
    const renewals = await prisma.certificateRequest.findMany({ where: { replacesCertificateId: cert.id } });
    expect(renewals).toHaveLength(1);
    expect(renewals[0]).toMatchObject({
      isRenewal: true,
      ariReplaces: cert.ariCertId,
      csrPem,
      status: 'pending',
      identifierSet: cert.identifierSet,
    });
    expect(await queue.getJob(renewals[0].id)).toBeDefined();

    // The renewal is under way: a later look neither polls nor renews again.
    await prisma.certificate.update({ where: { id: cert.id }, data: { nextCheckAt: new Date() } });
    expect(await service().runPass(enqueuer)).toMatchObject({ examined: 1, renewalsStarted: 0, ariPolls: 0 });
    expect(await prisma.certificateRequest.count({ where: { replacesCertificateId: cert.id } })).toBe(1);
    expect((await reload(cert.id)).nextCheckAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('should renew at the fallback moment when the CA cannot say (renewalInfo failing)', async () => {
    const { cert } = await deviceWithCertificate();
    fixture.renewalInfo = () => ({
      status: 500,
      body: { type: 'urn:ietf:params:acme:error:serverInternal' },
    });
    // Not yet time: it looks again soon, at the latest at the fallback moment.
    await service().runPass(enqueuer);
    const waiting = await reload(cert.id);
    expect(waiting.ariCheckedAt).toBeNull();
    expect(waiting.nextCheckAt!.getTime()).toBeLessThanOrEqual(cert.renewAt!.getTime());
    expect(await prisma.certificateRequest.count({ where: { replacesCertificateId: cert.id } })).toBe(0);

    // Past the fallback moment, a CA that still cannot say does not stop the renewal.
    await prisma.certificate.update({
      where: { id: cert.id },
      data: { renewAt: new Date(Date.now() - 1000), nextCheckAt: new Date() },
    });
    expect(await service().runPass(enqueuer)).toMatchObject({ renewalsStarted: 1 });
  });

  it('should renew an address only while the device still reports it', async () => {
    const { cert, deviceId } = await deviceWithCertificate({ ipv4: '203.0.113.7' });
    fixture.renewalInfo = () => ({
      status: 200,
      body: {
        suggestedWindow: {
          start: new Date(Date.now() - 3600_000).toISOString(),
          end: new Date().toISOString(),
        },
      },
    });
    await prisma.device.update({ where: { id: deviceId }, data: { ipv4: '203.0.113.8' } });
    expect(await service().runPass(enqueuer)).toMatchObject({ examined: 1, renewalsStarted: 0 });
    expect((await reload(cert.id)).nextCheckAt!.getTime()).toBeGreaterThan(Date.now() + DAY - 60_000);

    await prisma.device.update({ where: { id: deviceId }, data: { ipv4: '203.0.113.7' } });
    await prisma.certificate.update({ where: { id: cert.id }, data: { nextCheckAt: new Date() } });
    expect(await service().runPass(enqueuer)).toMatchObject({ examined: 1, renewalsStarted: 1 });
    const [renewal] = await prisma.certificateRequest.findMany({ where: { replacesCertificateId: cert.id } });
    expect(renewal).toMatchObject({
      identifierSet: 'ip:203.0.113.7',
      challengeType: 'http_01',
      isRenewal: true,
    });
  });

  it('should hand each due certificate to exactly one of several passes running at once', async () => {
    const seeded = await seedFleet(db.url, 120, {
      fleetName: `concurrent-${randomBytes(3).toString('hex')}`,
      zone: `concurrent.${ZONE}`,
      dueFraction: 1,
    });
    // A CA without ARI: renewals go by the stored fallback moment, already past.
    const noAri = new IssuingFixtureCa();
    await noAri.start();
    delete noAri.directory.renewalInfo;
    const plainCa = new AcmeClientCa({
      directoryUrl: noAri.directoryUrl,
      accountStore: new InMemoryAccountStore(),
      account: { termsOfServiceAgreed: true, contact: [] },
    });
    try {
      const passes = Array.from({ length: 4 }, () => {
        const conn = connect(3);
        extraClients.push(conn.prisma);
        return service({}, conn, plainCa).runPass(enqueuer);
      });
      const results = await Promise.all(passes);
      const perCertificate = await prisma.$queryRaw<{ id: string; n: number }[]>`
        SELECT r."replacesCertificateId"::text AS id, count(*)::int AS n
          FROM certificate_requests r JOIN devices d ON d.id = r."deviceId"
         WHERE d.label LIKE ${`${seeded.labelPrefix}%`} AND r."isRenewal"
         GROUP BY 1`;
      const activeDue = await prisma.certificate.count({
        where: { device: { label: { startsWith: seeded.labelPrefix }, status: 'active' } },
      });
      expect(seeded.due).toBe(120);
      expect(perCertificate).toHaveLength(activeDue);
      expect(perCertificate.every((row) => row.n === 1)).toBe(true);
      expect(results.reduce((sum, r) => sum + r.renewalsStarted, 0)).toBe(activeDue);
      expect(results.reduce((sum, r) => sum + r.examined, 0)).toBe(120);
      // Certificates of disabled devices are not renewed, only looked at again in a day.
      const disabled = await prisma.certificate.findMany({
        where: { device: { label: { startsWith: seeded.labelPrefix }, status: 'disabled' } },
      });
      expect(disabled.length).toBe(120 - activeDue);
      for (const c of disabled) expect(c.nextCheckAt!.getTime()).toBeGreaterThan(Date.now() + DAY - 60_000);
    } finally {
      plainCa.close();
      await noAri.stop();
    }
  });

  describe('superseded certificates', () => {
    async function supersede(): Promise<Certificate> {
      const { cert: old } = await deviceWithCertificate();
      const { cert: newer } = await deviceWithCertificate();
      return prisma.certificate.update({
        where: { id: old.id },
        data: {
          supersededById: newer.id,
          supersededAt: new Date(Date.now() - 1000),
          nextCheckAt: new Date(),
        },
      });
    }

    it('should revoke them at the CA (reason superseded) once their grace has passed, when the policy says so', async () => {
      const old = await supersede();
      const result = await service({ FLEETCERT_REVOKE_SUPERSEDED_AFTER_MS: '0' }).runPass(enqueuer);
      expect(result.revoked).toBe(1);
      const [revocation] = fixture.posts('/revoke');
      expect(revocation.payload).toMatchObject({ reason: 4 });
      const der = Buffer.from((revocation.payload as { certificate: string }).certificate, 'base64url');
      expect(
        parseCertificateChain(
          `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`,
        ).serialHex,
      ).toBe(old.serial);
      expect(await reload(old.id)).toMatchObject({ revokedReason: 'superseded', nextCheckAt: null });
      expect((await reload(old.id)).revokedAt).not.toBeNull();
    });

    it('should leave them alone without the policy', async () => {
      const old = await supersede();
      await service().runPass(enqueuer);
      expect(fixture.posts('/revoke')).toHaveLength(0);
      expect(await reload(old.id)).toMatchObject({ revokedAt: null, nextCheckAt: null });
    });

    it('should wait for the grace period before revoking', async () => {
      const old = await supersede();
      await service({ FLEETCERT_REVOKE_SUPERSEDED_AFTER_MS: '3600000' }).runPass(enqueuer);
      expect(fixture.posts('/revoke')).toHaveLength(0);
      const later = await reload(old.id);
      expect(later.nextCheckAt!.getTime()).toBe(old.supersededAt!.getTime() + 3600_000);
    });
  });
});
