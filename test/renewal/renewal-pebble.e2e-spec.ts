import { createPrismaClient, PrismaClient } from '@fleetcert/db';
import { parseCertificateChain, verifyChainTo } from '@fleetcert/pki';
import { generateKeys, KeyPair, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { IssuanceStack, startIssuanceStack } from '../support/issuance-stack';
import { waitFor } from '../support/wait-for';

const ZONE = 'renew.fleet.test';
/** Pebble's certificates live 16 s: renewed (half their life left, with jitter) 7.2–8 s after issuance. */
const VALIDITY_SECONDS = 16;

/**
 * Renewal against a real CA: Pebble issuing short-lived certificates through BIND9, two
 * worker processes running the renewal scheduler side by side, Let's Encrypt's limits
 * modelled (the exact-set limit shortened to one certificate per 5 s).
 */
describe('Renewal end to end (Pebble + BIND9 + two worker processes)', () => {
  let stack: IssuanceStack;
  let prisma: PrismaClient;
  const devices: { id: string; token: string; hostname: string; keys: KeyPair; requestId: string }[] = [];

  beforeAll(async () => {
    stack = await startIssuanceStack({
      zone: ZONE,
      fleet: 'renew',
      pebble: { validityPeriodSeconds: VALIDITY_SECONDS },
      env: {
        FLEETCERT_RENEWAL_INTERVAL_MS: '250',
        FLEETCERT_RATE_LIMITS: 'letsencrypt,certificatesPerExactSet=1/5s',
      },
    });
    await stack.startWorker();
    // The stack's database of its own (its workers' scheduler works on every certificate in it).
    prisma = createPrismaClient(stack.env.DATABASE_URL!, { poolSize: 2 });
  }, 60_000);

  afterAll(async () => {
    await prisma?.$disconnect();
    await stack?.stop();
  });

  async function enrol() {
    const res = await stack.api.request('POST', '/v1/admin/devices', { token: stack.admin, body: {} });
    return res.body as { id: string; token: string; hostname: string };
  }

  async function submit(device: { token: string; hostname: string }, keys: KeyPair): Promise<string> {
    const csr = await makeCsr({ keys, dns: [device.hostname] });
    const res = await stack.api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
    expect(res.status).toBe(202);
    return res.body.id;
  }

  const view = (token: string, id: string) => stack.api.request('GET', `/v1/certificates/${id}`, { token });

  async function untilFinished(token: string, id: string, timeoutMs = 30_000) {
    const res = await waitFor(
      () => view(token, id),
      (r) => r.body.status === 'valid' || r.body.status === 'failed',
      { timeoutMs, what: `request ${id} to finish` },
    );
    return res.body;
  }

  it('should renew short-lived certificates on their own, each exactly once, with two workers running', async () => {
    for (let i = 0; i < 4; i++) {
      const device = await enrol();
      const keys = await generateKeys({ ec: 'P-256' });
      devices.push({ ...device, keys, requestId: await submit(device, keys) });
    }
    for (const d of devices) expect((await untilFinished(d.token, d.requestId)).status).toBe('valid');
    const first = await Promise.all(
      devices.map((d) => prisma.certificate.findUniqueOrThrow({ where: { requestId: d.requestId } })),
    );

    // Every first certificate gets a replacement, issued by Pebble, without anyone asking.
    const replacements = await waitFor(
      () =>
        prisma.certificateRequest.findMany({
          where: { replacesCertificateId: { in: first.map((c) => c.id) } },
        }),
      (rows) =>
        rows.length >= first.length && rows.every((r) => r.status === 'valid' || r.status === 'failed'),
      { timeoutMs: 40_000, what: 'every certificate to be renewed' },
    );
    // Exactly one renewal per certificate, though two workers ran the scheduler all along.
    expect(replacements.map((r) => r.replacesCertificateId).sort()).toEqual(first.map((c) => c.id).sort());
    expect(replacements.every((r) => r.status === 'valid' && r.isRenewal)).toBe(true);

    const root = await stack.pebble.rootCertificatePem();
    for (const [i, old] of first.entries()) {
      const renewal = replacements.find((r) => r.replacesCertificateId === old.id)!;
      const renewed = await prisma.certificate.findUniqueOrThrow({ where: { requestId: renewal.id } });
      // Renewed inside the fallback window (half the lifetime left, with jitter), same key, new serial.
      expect(renewal.createdAt.getTime()).toBeGreaterThanOrEqual(old.renewalStart!.getTime());
      // (give or take one scheduler pass on a busy machine)
      expect(renewal.createdAt.getTime()).toBeLessThan(old.renewalEnd!.getTime() + 3000);
      expect(renewed.publicKeySha256).toBe(old.publicKeySha256);
      expect(renewed.serial).not.toBe(old.serial);
      expect((await prisma.certificate.findUniqueOrThrow({ where: { id: old.id } })).supersededById).toBe(
        renewed.id,
      );

      // The device is pointed at the fresh chain.
      const device = devices[i];
      const oldView = (await view(device.token, device.requestId)).body;
      expect(oldView.supersededBy).toBe(renewal.id);
      const latestId = oldView.latest as string;
      const latest = (await view(device.token, latestId)).body;
      expect(latest.status).toBe('valid');
      expect(await verifyChainTo(latest.certificate, root)).toBe(true);
      expect(parseCertificateChain(latest.certificate).dnsNames).toEqual([device.hostname]);
    }
  }, 90_000);

  it('should defer a request whose exact-set bucket is empty, then issue it on its own', async () => {
    const device = await enrol();
    const keys = await generateKeys({ ec: 'P-256' });
    const firstId = await submit(device, keys);
    expect((await untilFinished(device.token, firstId)).status).toBe('valid');

    // A new key for the same name right away (key rotation): the set's one token is spent.
    const rotated = await submit(device, await generateKeys({ ec: 'P-256' }));
    const deferred = await waitFor(
      () => view(device.token, rotated),
      (r) => r.body.status !== 'pending' && r.body.status !== 'processing',
      { what: 'the rotation to be deferred' },
    );
    expect(deferred.body).toMatchObject({
      status: 'deferred',
      error: { type: 'urn:fleetcert:error:rateLimitHeadroom' },
    });
    expect(deferred.body.error.detail).toContain('certificatesPerExactSet');
    const until = Date.parse(deferred.body.deferredUntil);
    expect(until).toBeGreaterThan(Date.now());

    const done = await untilFinished(device.token, rotated);
    expect(done.status).toBe('valid');
    const stored = await prisma.certificateRequest.findUniqueOrThrow({ where: { id: rotated } });
    expect(stored.completedAt!.getTime()).toBeGreaterThanOrEqual(until);
    // The rotation replaced the first certificate.
    const firstCert = await prisma.certificate.findUniqueOrThrow({ where: { requestId: firstId } });
    expect(stored.replacesCertificateId).toBe(firstCert.id);
    expect((await view(device.token, firstId)).body.latest).not.toBe(firstId);
  }, 60_000);

  describe('operator actions', () => {
    it('should force a renewal now, once, and audit it', async () => {
      const device = devices[0];
      const res = await stack.api.request('POST', `/v1/admin/devices/${device.id}/renew`, {
        token: stack.admin,
      });
      expect(res.status).toBe(202);
      expect(res.body.requests).toHaveLength(1);
      const [forced] = res.body.requests;
      const again = await stack.api.request('POST', `/v1/admin/devices/${device.id}/renew`, {
        token: stack.admin,
      });
      if (again.body.requests[0].id === forced.id) expect(again.body.requests[0].created).toBe(false);
      expect((await untilFinished(device.token, forced.id)).status).toBe('valid');
      const audit = await stack.api.request(
        'GET',
        `/v1/admin/audit?targetType=device&targetId=${device.id}`,
        { token: stack.admin },
      );
      expect(audit.body.map((e: { action: string }) => e.action)).toContain('device.renew');
    }, 40_000);

    it('should refuse to renew what it cannot', async () => {
      const viewer = await stack.api.operatorKey('viewer');
      const id = devices[1].id;
      expect(
        (await stack.api.request('POST', `/v1/admin/devices/${id}/renew`, { token: viewer })).status,
      ).toBe(403);
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect(
        (await stack.api.request('POST', `/v1/admin/devices/${unknown}/renew`, { token: stack.admin }))
          .status,
      ).toBe(404);
      const bare = await enrol();
      const none = await stack.api.request('POST', `/v1/admin/devices/${bare.id}/renew`, {
        token: stack.admin,
      });
      expect(none).toMatchObject({
        status: 409,
        body: { message: expect.stringContaining('no live certificate') },
      });
    });

    it('should revoke a certificate at the CA and stop renewing it', async () => {
      const device = devices[2];
      const latestId = (await view(device.token, device.requestId)).body.latest as string;
      const res = await stack.api.request('POST', `/v1/admin/certificates/${latestId}/revoke`, {
        token: stack.admin,
        body: { reason: 'keyCompromise' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ requestId: latestId, reason: 'keyCompromise', deviceId: device.id });
      const cert = await prisma.certificate.findUniqueOrThrow({ where: { requestId: latestId } });
      expect(cert).toMatchObject({ revokedReason: 'keyCompromise', nextCheckAt: null, renewAt: null });
      const status = await stack.pebble.managementGet(
        `/cert-status-by-serial/${cert.serial.replace(/^0+/, '')}`,
      );
      expect(status.body).toMatch(/Revoked/i);

      const twice = await stack.api.request('POST', `/v1/admin/certificates/${cert.id}/revoke`, {
        token: stack.admin,
        body: {},
      });
      expect(twice.status).toBe(409);
      const badReason = await stack.api.request('POST', `/v1/admin/certificates/${cert.id}/revoke`, {
        token: stack.admin,
        body: { reason: 'boredom' },
      });
      expect(badReason).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining('reason must be one of') },
      });
      const unknown = await stack.api.request(
        'POST',
        '/v1/admin/certificates/00000000-0000-4000-8000-000000000000/revoke',
        {
          token: stack.admin,
          body: {},
        },
      );
      expect(unknown.status).toBe(404);
    });
  });

  it('should report the fleet, the rate-limit headroom and the onboarding forecast', async () => {
    const viewer = await stack.api.operatorKey('viewer');
    const status = await stack.api.request('GET', '/v1/admin/fleet/status', { token: viewer });
    expect(status.status).toBe(200);
    const devicesNow = await prisma.device.count();
    expect(status.body.devices).toEqual({ total: devicesNow, active: devicesNow, disabled: 0 });
    // 16-second certificates: every live one expires within 7 days.
    expect(status.body.certificates.valid).toBe(0);
    // (one may just have expired if its renewal is running late on a busy machine)
    expect(status.body.certificates.expiring + status.body.certificates.expired).toBeGreaterThanOrEqual(
      devices.length,
    );
    expect(status.body.certificates.revoked).toBe(1);
    // Renewals keep completing meanwhile (16-second certificates), and the status is shared
    // for up to a second: a fresh one lies between the counts taken around it.
    const validNow = () => prisma.certificateRequest.count({ where: { status: 'valid' } });
    await waitFor(
      async () => {
        const before = await validNow();
        const reported = (await stack.api.request('GET', '/v1/admin/fleet/status', { token: viewer })).body
          .requests.valid as number;
        return { before, reported, after: await validNow() };
      },
      ({ before, reported, after }) => before <= reported && reported <= after,
      { what: 'the reported valid requests to lie between the counts around it' },
    );
    expect(status.body.renewals.dueWithin24h).toBeGreaterThanOrEqual(devices.length - 1);
    // Every device's first certificate took one of fleet.test's 50 weekly tokens; renewals and
    // rotations took none. 7 more come back within a day, 50 within a week.
    const firstCertificates = devices.length + 1;
    expect(status.body.capacity.next24h).toMatchObject({
      newDevices: 57 - firstCertificates,
      limitedBy: 'certificatesPerRegisteredDomain',
    });
    expect(status.body.capacity.next7Days.newDevices).toBe(100 - firstCertificates);

    const limits = await stack.api.request(
      'GET',
      '/v1/admin/rate-limits?limit=certificatesPerRegisteredDomain',
      {
        token: stack.admin,
      },
    );
    expect(limits.body.buckets).toEqual([
      expect.objectContaining({ key: 'fleet.test', capacity: 50, remaining: 50 - firstCertificates }),
    ]);
    expect(limits.body.model).toBe('letsencrypt,certificatesPerExactSet=1/5000ms:1');
  });
});
