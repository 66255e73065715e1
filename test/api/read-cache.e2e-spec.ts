import { ChangeFeed, PRISMA, PrismaClient } from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import { DeviceTokenUses } from '../../apps/api/src/auth/token-use-recorder';
import { CHANGE_FEED } from '../../apps/api/src/read-cache/read-caches';
import { startTestApi, TestApi, TestResponse } from '../support/api';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { storeCertificate, storeRequest } from '../support/stored-rows';
import { waitFor } from '../support/wait-for';

const ZONE = 'cache.fleet.test';

/**
 * The API's read caches (authenticated device tokens, requests devices poll) against real
 * Postgres change notifications. Requests here go through plain `fetch`, not the test
 * harness's `request`, which waits for the change feed before every call: these tests are
 * about what a caller sees without that help.
 */
describe('read caches kept exact by Postgres change notifications', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  let admin: string;

  // A database of its own: other test files count devices and audit events in the shared one.
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    database = await isolatedDatabase('readcache');
    api = await startTestApi(
      testConfig({ DATABASE_URL: database.url, FLEETCERT_FLEET_NAME: 'cache', FLEETCERT_FLEET_ZONE: ZONE }),
    );
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey('admin');
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  async function call(method: string, path: string, token: string): Promise<TestResponse> {
    const res = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, headers: res.headers, body: await res.json() };
  }

  async function lookups(cache: string, outcome: 'hit' | 'miss'): Promise<number> {
    const metric = await api.app.get(Metrics).readCacheLookups.get();
    return metric.values.find((v) => v.labels.cache === cache && v.labels.outcome === outcome)?.value ?? 0;
  }

  /** A device with a valid certificate, written as the worker would write it. */
  async function deviceWithCertificate() {
    const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    const request = await storeRequest(prisma, device.id, device.hostname, { status: 'valid' });
    await storeCertificate(prisma, request, {
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 6 * 86_400_000),
      chainPem: '-----BEGIN CERTIFICATE-----\nfirst\n-----END CERTIFICATE-----\n',
      renewal: false,
    });
    await api.app.get<ChangeFeed>(CHANGE_FEED).sync();
    return { device, request };
  }

  it('should answer repeated fetches from memory, and a change another process commits within moments', async () => {
    const { device, request } = await deviceWithCertificate();
    const path = `/v1/certificates/${request.id}`;
    const feed = api.app.get<ChangeFeed>(CHANGE_FEED);
    const first = await call('GET', path, device.token);
    expect(first.status).toBe(200);
    // The first authentication records the token's use; writing it is not announced, so the
    // entries the first call filled stay: every call after it is served from memory.
    expect(await api.app.get(DeviceTokenUses).flush()).toBe(true);
    expect(
      (await prisma.deviceToken.findFirstOrThrow({ where: { deviceId: device.id } })).lastUsedAt,
    ).not.toBeNull();
    await feed.sync();
    const [authHits, requestHits] = [
      await lookups('device_auth', 'hit'),
      await lookups('device_request', 'hit'),
    ];

    for (let i = 0; i < 5; i++) expect((await call('GET', path, device.token)).body).toEqual(first.body);
    expect(await lookups('device_auth', 'hit')).toBe(authHits + 5);
    expect(await lookups('device_request', 'hit')).toBe(requestHits + 5);

    // The worker (another process) replaces the chain: the next fetches see it, without any
    // help from this process, once Postgres has delivered the notification.
    const chain = '-----BEGIN CERTIFICATE-----\nsecond\n-----END CERTIFICATE-----\n';
    await prisma.certificate.update({ where: { requestId: request.id }, data: { chainPem: chain } });
    const seen = await waitFor(
      () => call('GET', path, device.token),
      (res) => res.body.certificate === chain,
      { what: 'the new chain', timeoutMs: 5000, intervalMs: 5 },
    );
    expect(seen.status).toBe(200);
  });

  it('should refuse a token the moment an operator rotates it, and a device the moment it is disabled', async () => {
    const { device } = await deviceWithCertificate();
    expect((await call('GET', '/v1/device', device.token)).status).toBe(200);
    expect((await call('GET', '/v1/device', device.token)).status).toBe(200); // now from the cache

    const rotated = await call('POST', `/v1/admin/devices/${device.id}/rotate-token`, admin);
    expect(rotated.status).toBe(200);
    // The operator's answer came only once this process had dropped the cached token.
    expect((await call('GET', '/v1/device', device.token)).status).toBe(401);
    expect((await call('GET', '/v1/device', rotated.body.token)).status).toBe(200);

    expect((await call('POST', `/v1/admin/devices/${device.id}/disable`, admin)).status).toBe(200);
    expect((await call('GET', '/v1/device', rotated.body.token)).status).toBe(403);
  });

  it('should read Postgres, not the cache, while the change feed is down', async () => {
    const { device, request } = await deviceWithCertificate();
    const path = `/v1/certificates/${request.id}`;
    expect((await call('GET', path, device.token)).body.status).toBe('valid');
    const feed = api.app.get<ChangeFeed>(CHANGE_FEED);

    await prisma.$executeRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND query = 'LISTEN fleetcert_changes'`;
    await waitFor(
      async () => feed.isLive,
      (live) => !live,
      { what: 'the feed to notice', timeoutMs: 5000 },
    );
    const misses = await lookups('device_request', 'miss');
    // A change made while nobody listens: the next read must still see it.
    await prisma.certificateRequest.update({
      where: { id: request.id },
      data: { status: 'failed', errorType: 'urn:ietf:params:acme:error:unauthorized', errorDetail: 'x' },
    });
    if (!feed.isLive) {
      expect((await call('GET', path, device.token)).body.status).toBe('failed');
      expect(await lookups('device_request', 'miss')).toBe(misses + 1);
    }
    await waitFor(
      async () => feed.isLive,
      (live) => live,
      { what: 'the feed to listen again' },
    );
    expect((await call('GET', path, device.token)).body.status).toBe('failed');
  });

  it('should serve without caches when they are turned off', async () => {
    const off = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'cache',
        FLEETCERT_FLEET_ZONE: ZONE,
        FLEETCERT_READ_CACHE_ENTRIES: '0',
      }),
    );
    try {
      const key = await off.operatorKey('admin');
      const device = (await off.request('POST', '/v1/admin/devices', { token: key, body: {} })).body;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${off.url}/v1/device`, {
          headers: { authorization: `Bearer ${device.token}` },
        });
        expect(res.status).toBe(200);
      }
      const metric = await off.app.get(Metrics).readCacheLookups.get();
      expect(metric.values.filter((v) => v.labels.outcome === 'hit' && v.value > 0)).toEqual([]);
      expect(off.app.get<ChangeFeed>(CHANGE_FEED).isLive).toBe(false);
    } finally {
      await off.close();
    }
  });
});
