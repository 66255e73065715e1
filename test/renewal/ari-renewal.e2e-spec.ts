import { createPrismaClient, PrismaClient } from '@fleetcert/db';
import { parseCertificateChain } from '@fleetcert/pki';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { IssuingFixtureCa } from '../acme/support/issuing-fixture-ca';
import { startTestApi, TestApi } from '../support/api';
import { testConfig, TestEnv, testEnv } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { waitFor } from '../support/wait-for';
import { startWorkerProcess, WorkerProcess } from '../support/worker-process';

const ZONE = 'ari.fleet.test';

/**
 * Renewal with ACME Renewal Information and the CA's rate-limit answers, end to end: the
 * API and a worker process against the scripted CA (Pebble 2.4 has neither ARI nor rate
 * limits), modelling Let's Encrypt's limits.
 */
describe("ARI renewal and the CA's rate limits (API + worker process + scripted CA)", () => {
  let db: Awaited<ReturnType<typeof isolatedDatabase>>;
  let fixture: IssuingFixtureCa;
  let api: TestApi;
  let worker: WorkerProcess;
  let prisma: PrismaClient;
  let admin: string;
  let env: TestEnv;

  beforeAll(async () => {
    // A database of its own: the worker's scheduler works on every certificate it holds.
    db = await isolatedDatabase('ari');
    fixture = new IssuingFixtureCa();
    await fixture.start();
    env = testEnv({
      DATABASE_URL: db.url,
      FLEETCERT_FLEET_NAME: 'ari',
      FLEETCERT_FLEET_ZONE: ZONE,
      FLEETCERT_ACME_DIRECTORY_URL: fixture.directoryUrl,
      FLEETCERT_ACME_TERMS_AGREED: 'true',
      // Let's Encrypt's limits, but new orders refill every 100 ms so that a test waits
      // seconds, not the 36 s of a real token, after the CA emptied the bucket.
      FLEETCERT_RATE_LIMITS: 'letsencrypt,newOrdersPerAccount=300/30s',
      FLEETCERT_RENEWAL_INTERVAL_MS: '250',
      FLEETCERT_RECONCILE_INTERVAL_MS: '1000',
      FLEETCERT_WORKER_LOCK_MS: '2000',
    });
    api = await startTestApi(testConfig(env));
    admin = await api.operatorKey();
    worker = await startWorkerProcess(env);
    prisma = createPrismaClient(db.url, { poolSize: 2 });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await prisma?.$disconnect();
    await fixture?.stop();
    await db?.drop();
  });

  async function enrol(): Promise<{ token: string; hostname: string }> {
    const created = await api.request('POST', '/v1/admin/devices', { token: admin, body: {} });
    return created.body as { token: string; hostname: string };
  }

  /** Submits a CSR for the device's hostname; returns the request id. */
  async function submit(device: { token: string; hostname: string }): Promise<string> {
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
    const submitted = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
    expect(submitted.status).toBe(202);
    return submitted.body.id as string;
  }

  async function deviceWithCertificate(): Promise<{ token: string; hostname: string; requestId: string }> {
    const device = await enrol();
    const requestId = await submit(device);
    await untilStatus(device.token, requestId, 'valid');
    return { ...device, requestId };
  }

  async function untilStatus(token: string, id: string, status: string) {
    const res = await waitFor(
      () => api.request('GET', `/v1/certificates/${id}`, { token }),
      (r) => r.body.status === status || r.body.status === 'failed',
      { timeoutMs: 30_000, what: `request ${id} to be ${status}` },
    );
    expect(res.body).toMatchObject({ status });
    return res.body;
  }

  const certificateOf = (requestId: string) => prisma.certificate.findUniqueOrThrow({ where: { requestId } });
  /**
   * A window that opened an hour ago and closes in `closesInMs`: the worker draws a moment
   * inside it, in the past (renew now) unless it lands in the last few seconds.
   */
  const windowClosingIn = (closesInMs: number) => ({
    status: 200,
    body: {
      suggestedWindow: {
        start: new Date(Date.now() - 3600_000).toISOString(),
        end: new Date(Date.now() + closesInMs).toISOString(),
      },
    },
    headers: { 'retry-after': '21600' },
  });

  async function bucket(limit: string, key: string) {
    const res = await api.request('GET', `/v1/admin/rate-limits?limit=${limit}&pageSize=1000`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    return (res.body.buckets as { key: string; remaining: number; capacity: number }[]).find(
      (b) => b.key === key,
    );
  }

  it("should follow the CA's window, order with `replaces`, and order again without it after alreadyReplaced", async () => {
    const first = await deviceWithCertificate();
    const certA = await waitFor(
      () => certificateOf(first.requestId),
      (c) => c.ariCheckedAt !== null,
      { what: 'the first renewalInfo poll' },
    );
    // The fixture's default window (the last third of the hour-long life), polled by certID.
    const polls = fixture.requests.filter((r) => r.path === `/renewal-info/${certA.ariCertId}`);
    expect(polls).toHaveLength(1);
    expect(certA.ariCertId).toBe(parseCertificateChain(certA.chainPem).ariCertId);
    const shown = await api.request('GET', `/v1/certificates/${first.requestId}`, { token: first.token });
    expect(shown.body.renewal).toEqual({
      windowStart: certA.renewalStart!.toISOString(),
      windowEnd: certA.renewalEnd!.toISOString(),
    });
    // (X.509 times have whole seconds; the fixture computed the window from milliseconds.)
    expect(Math.abs(certA.notAfter.getTime() - certA.renewalStart!.getTime() - 3600_000 / 3)).toBeLessThan(
      1500,
    );
    expect(shown.body.latest).toBe(first.requestId);

    // The CA now suggests renewing (a window ending before the moment drawn from the first
    // one, so the worker draws again), and refuses the first `replaces`.
    fixture.renewalInfo = (certId) => (certId === certA.ariCertId ? windowClosingIn(-1000) : undefined);
    fixture.alreadyReplaced.add(certA.ariCertId);
    await prisma.certificate.update({ where: { id: certA.id }, data: { nextCheckAt: new Date() } });

    const renewal = await waitFor(
      () => prisma.certificateRequest.findFirst({ where: { replacesCertificateId: certA.id } }),
      (r) => r?.status === 'valid' || r?.status === 'failed',
      { timeoutMs: 30_000, what: 'the renewal to finish' },
    );
    const original = await prisma.certificateRequest.findUniqueOrThrow({ where: { id: first.requestId } });
    expect(renewal).toMatchObject({
      status: 'valid',
      isRenewal: true,
      csrPem: original.csrPem,
      identifierSet: original.identifierSet,
      ariReplaces: null,
    });
    const orders = fixture
      .posts('/order')
      .map((p) => p.payload as { replaces?: string; identifiers: unknown });
    const forThisDevice = orders.filter((o) => JSON.stringify(o.identifiers).includes(first.hostname));
    expect(forThisDevice.map((o) => o.replaces ?? null)).toEqual([null, certA.ariCertId, null]);

    // The old certificate points to the new one; the device sees where the fresh chain is.
    const certB = await certificateOf(renewal!.id);
    expect((await certificateOf(first.requestId)).supersededById).toBe(certB.id);
    const old = await api.request('GET', `/v1/certificates/${first.requestId}`, { token: first.token });
    expect(old.body).toMatchObject({ status: 'valid', supersededBy: renewal!.id, latest: renewal!.id });
    const me = await api.request('GET', '/v1/device', { token: first.token });
    expect(me.body.certificates.map((c: { id: string; latest: string }) => [c.id, c.latest])).toEqual([
      [renewal!.id, renewal!.id],
      [first.requestId, renewal!.id],
    ]);
    const fresh = await api.request('GET', `/v1/certificates/${renewal!.id}`, { token: first.token });
    expect(parseCertificateChain(fresh.body.certificate).serialHex).toBe(certB.serial);

    // Ordered again without `replaces`, it was a plain renewal: the exact-set limit spent a
    // second token, the registered-domain limit none.
    expect(await bucket('certificatesPerExactSet', `dns:${first.hostname}`)).toMatchObject({ remaining: 3 });
    expect(await bucket('certificatesPerRegisteredDomain', 'fleet.test')).toMatchObject({ remaining: 49 });
  });

  it('should exempt an ARI renewal inside the window from every limit', async () => {
    const second = await enrol();
    // The CA suggests renewing this device's first certificate at once (and nothing else).
    let first: string | undefined;
    fixture.renewalInfo = (certId, identifiers) => {
      if (!identifiers.some((i) => i.value === second.hostname)) return undefined;
      first ??= certId;
      return certId === first ? windowClosingIn(5000) : undefined;
    };
    const requestId = await submit(second);
    await untilStatus(second.token, requestId, 'valid');
    const certA = await certificateOf(requestId);
    const renewal = await waitFor(
      () => prisma.certificateRequest.findFirst({ where: { replacesCertificateId: certA.id } }),
      (r) => r?.status === 'valid' || r?.status === 'failed',
      { timeoutMs: 30_000, what: 'the ARI renewal to finish' },
    );
    fixture.renewalInfo = undefined;
    expect(renewal?.status).toBe('valid');
    const renewalOrder = fixture.orders.get(Number(/\/order\/(\d+)$/.exec(renewal!.orderUrl!)![1]));
    expect(renewalOrder?.replaces).toBe(certA.ariCertId);
    // Only the first certificate spent anything.
    expect(await bucket('certificatesPerExactSet', `dns:${second.hostname}`)).toMatchObject({ remaining: 4 });
    expect(await bucket('certificatesPerRegisteredDomain', 'fleet.test')).toMatchObject({ remaining: 48 });
  });

  it("should honour a rateLimited answer: the request and everyone else's wait for its Retry-After, then succeed", async () => {
    const ordersBefore = fixture.posts('/order').length;
    fixture.script('/order', {
      status: 429,
      body: {
        type: 'urn:ietf:params:acme:error:rateLimited',
        detail:
          'too many new orders (300) from this account in the last 3h0m0s, retry after 2026-01-01 00:00:00 UTC',
      },
      headers: { 'retry-after': '3' },
    });
    const make = async () => {
      const device = await enrol();
      return { token: device.token, id: await submit(device) };
    };

    const refused = await make();
    const deferred = await untilStatus(refused.token, refused.id, 'deferred');
    expect(deferred.error.type).toBe('urn:ietf:params:acme:error:rateLimited');
    const until = Date.parse(deferred.deferredUntil);
    // Deferred for the CA's Retry-After (3 s), counted from its answer.
    const refusedAt = fixture.posts('/order')[ordersBefore].at;
    expect(until - refusedAt).toBeGreaterThanOrEqual(2900);
    expect(until - refusedAt).toBeLessThanOrEqual(3100);

    // The account's order bucket is empty until then, so the next request waits without asking the CA.
    const account = await bucket('newOrdersPerAccount', 'account');
    expect(account).toMatchObject({ remaining: 0 });
    const held = await make();
    const heldView = await untilStatus(held.token, held.id, 'deferred');
    expect(heldView.error.type).toBe('urn:fleetcert:error:rateLimitHeadroom');
    expect(Date.parse(heldView.deferredUntil)).toBeGreaterThanOrEqual(until - 5);
    expect(fixture.posts('/order').length).toBe(ordersBefore + 1);

    // Both run on their own once the CA's Retry-After has passed.
    await untilStatus(refused.token, refused.id, 'valid');
    await untilStatus(held.token, held.id, 'valid');
    const posts = fixture.posts('/order');
    expect(posts.length).toBe(ordersBefore + 3);
    expect(Math.min(...posts.slice(ordersBefore + 1).map((p) => p.at))).toBeGreaterThanOrEqual(until - 50);
  });
});
