import { CertificateRequestRepository, PRISMA, PrismaClient } from '@fleetcert/db';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { storeCertificate, storeRequest } from '../support/stored-rows';

const ZONE = 'fetch.fleet.test';

/**
 * What a device reads of its requests (`GET /v1/certificates/{id}`, `GET /v1/device`): one
 * statement per read, the JSON exactly as devices have always seen it. The rows are written
 * here as the worker would write them.
 */
describe('GET /v1/certificates/{id} and the list in GET /v1/device', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  let admin: string;

  beforeAll(async () => {
    api = await startTestApi(testConfig({ FLEETCERT_FLEET_NAME: 'fetch', FLEETCERT_FLEET_ZONE: ZONE }));
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey('admin');
  });
  afterAll(() => api.close());

  async function newDevice(): Promise<{ id: string; hostname: string; token: string }> {
    return (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
  }

  const request = (deviceId: string, hostname: string, data: Parameters<typeof storeRequest>[3]) =>
    storeRequest(prisma, deviceId, hostname, data);
  const certificate = (
    r: Parameters<typeof storeCertificate>[1],
    data: Parameters<typeof storeCertificate>[2],
  ) => storeCertificate(prisma, r, data);

  it("should show a valid certificate with its chain and renewal window, the request that replaced it, and the device's latest", async () => {
    const device = await newDevice();
    const old = await request(device.id, device.hostname, {
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      status: 'valid',
      profile: 'classic',
    });
    const oldCert = await certificate(old, {
      notBefore: new Date('2026-01-01T00:05:00.000Z'),
      chainPem: 'CHAIN-OLD',
    });
    const renewed = await request(device.id, device.hostname, {
      createdAt: new Date('2026-03-01T00:00:00.000Z'),
      status: 'valid',
    });
    const renewedCert = await certificate(renewed, {
      notBefore: new Date('2026-03-01T00:05:00.000Z'),
      chainPem: 'CHAIN-NEW',
      renewal: false,
    });
    await prisma.certificate.update({ where: { id: oldCert.id }, data: { supersededById: renewedCert.id } });

    const first = await api.request('GET', `/v1/certificates/${old.id}`, { token: device.token });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: old.id,
      status: 'valid',
      identifiers: [{ type: 'dns', value: device.hostname }],
      profile: 'classic',
      challenge: 'dns-01',
      createdAt: '2026-01-01T00:00:00.000Z',
      certificate: 'CHAIN-OLD',
      notBefore: '2026-01-01T00:05:00.000Z',
      notAfter: '2026-04-01T00:05:00.000Z',
      renewal: { windowStart: '2026-03-02T00:05:00.000Z', windowEnd: '2026-03-04T00:05:00.000Z' },
      supersededBy: renewed.id,
      latest: renewed.id,
    });

    const second = await api.request('GET', `/v1/certificates/${renewed.id}`, { token: device.token });
    expect(second.body).toEqual({
      id: renewed.id,
      status: 'valid',
      identifiers: [{ type: 'dns', value: device.hostname }],
      profile: null,
      challenge: 'dns-01',
      createdAt: '2026-03-01T00:00:00.000Z',
      certificate: 'CHAIN-NEW',
      notBefore: '2026-03-01T00:05:00.000Z',
      notAfter: '2026-05-30T00:05:00.000Z',
      latest: renewed.id,
    });

    // A revoked certificate is not live: the latest falls back to the newest live one.
    await prisma.certificate.update({ where: { id: renewedCert.id }, data: { revokedAt: new Date() } });
    await prisma.certificate.update({ where: { id: oldCert.id }, data: { supersededById: null } });
    const fallback = await api.request('GET', `/v1/certificates/${renewed.id}`, { token: device.token });
    expect(fallback.body.latest).toBe(old.id);
  });

  it('should show open, deferred and failed requests with what they wait on or met', async () => {
    const device = await newDevice();
    const ip = await request(device.id, device.hostname, {
      createdAt: new Date('2026-02-01T00:00:00.000Z'),
      status: 'pending',
      challengeType: 'http_01',
      http01Mode: 'pull',
      identifiers: [{ type: 'ip', value: '192.0.2.10' }],
    });
    const deferred = await request(device.id, device.hostname, {
      createdAt: new Date('2026-02-02T00:00:00.000Z'),
      status: 'deferred',
      deferredUntil: new Date('2026-02-03T04:05:06.007Z'),
    });
    const failed = await request(device.id, device.hostname, {
      createdAt: new Date('2026-02-04T00:00:00.000Z'),
      status: 'failed',
      errorType: 'urn:ietf:params:acme:error:rejectedIdentifier',
      errorDetail: 'no',
    });

    expect((await api.request('GET', `/v1/certificates/${ip.id}`, { token: device.token })).body).toEqual({
      id: ip.id,
      status: 'pending',
      identifiers: [{ type: 'ip', value: '192.0.2.10' }],
      profile: null,
      challenge: 'http-01',
      http01Mode: 'pull',
      createdAt: '2026-02-01T00:00:00.000Z',
    });
    expect(
      (await api.request('GET', `/v1/certificates/${deferred.id}`, { token: device.token })).body,
    ).toEqual(expect.objectContaining({ status: 'deferred', deferredUntil: '2026-02-03T04:05:06.007Z' }));
    const failedView = (await api.request('GET', `/v1/certificates/${failed.id}`, { token: device.token }))
      .body;
    expect(failedView.error).toEqual({ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'no' });
    expect(failedView).not.toHaveProperty('certificate');
  });

  it("should answer 404 for another device's request and for an unknown id, 400 for a malformed one", async () => {
    const owner = await newDevice();
    const other = await newDevice();
    const r = await request(owner.id, owner.hostname, { createdAt: new Date() });
    const theirs = await api.request('GET', `/v1/certificates/${r.id}`, { token: other.token });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await api.request('GET', `/v1/certificates/${unknown}`, { token: owner.token })).status).toBe(
      404,
    );
    expect((await api.request('GET', '/v1/certificates/not-a-uuid', { token: owner.token })).status).toBe(
      400,
    );
  });

  it("should list the device's newest requests first, with links but without chains", async () => {
    const device = await newDevice();
    const older = await request(device.id, device.hostname, {
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      status: 'valid',
    });
    const olderCert = await certificate(older, {
      notBefore: new Date('2026-01-01T00:05:00.000Z'),
      chainPem: 'CHAIN-1',
    });
    const newer = await request(device.id, device.hostname, {
      createdAt: new Date('2026-03-01T00:00:00.000Z'),
      status: 'valid',
    });
    const newerCert = await certificate(newer, {
      notBefore: new Date('2026-03-01T00:05:00.000Z'),
      chainPem: 'CHAIN-2',
    });
    await prisma.certificate.update({ where: { id: olderCert.id }, data: { supersededById: newerCert.id } });
    const open = await request(device.id, device.hostname, {
      createdAt: new Date('2026-04-01T00:00:00.000Z'),
    });

    const me = await api.request('GET', '/v1/device', { token: device.token });
    expect(me.status).toBe(200);
    expect(me.body.certificates.map((c: { id: string }) => c.id)).toEqual([open.id, newer.id, older.id]);
    for (const view of me.body.certificates) expect(view).not.toHaveProperty('certificate');
    expect(me.body.certificates[0]).toEqual({
      id: open.id,
      status: 'pending',
      identifiers: [{ type: 'dns', value: device.hostname }],
      profile: null,
      challenge: 'dns-01',
      createdAt: '2026-04-01T00:00:00.000Z',
      latest: newer.id,
    });
    expect(me.body.certificates[2]).toMatchObject({
      id: older.id,
      notBefore: '2026-01-01T00:05:00.000Z',
      supersededBy: newer.id,
      latest: newer.id,
    });
  });

  it('should read a request in one statement shaped as the view expects', async () => {
    const device = await newDevice();
    const r = await request(device.id, device.hostname, { createdAt: new Date(), status: 'valid' });
    await certificate(r, { notBefore: new Date('2026-01-01T00:00:00.000Z'), chainPem: 'CHAIN' });
    const requests = api.app.get(CertificateRequestRepository);

    const read = await requests.getForDevice(device.id, r.id);
    expect(read).toMatchObject({
      id: r.id,
      challengeType: 'dns_01',
      certificate: { chainPem: 'CHAIN', notBefore: new Date('2026-01-01T00:00:00.000Z') },
      supersededByRequestId: null,
      latestRequestId: r.id,
    });
    const [listed] = await requests.listForDevice(device.id, 20);
    expect(listed.certificate).not.toHaveProperty('chainPem');
    expect(await requests.getForDevice(device.id, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
