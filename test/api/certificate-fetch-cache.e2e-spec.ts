import { ChangeFeed, PRISMA, PrismaClient } from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import { CHANGE_FEED } from '../../apps/api/src/read-cache/read-caches';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { storeValidCertificate } from '../support/stored-rows';
import { waitFor } from '../support/wait-for';

const ZONE = 'fetchcache.fleet.test';
const CHAIN_1 = '-----BEGIN CERTIFICATE-----\nMIIB\tfirst "quoted" \\ é\n-----END CERTIFICATE-----\n';
const CHAIN_2 = '-----BEGIN CERTIFICATE-----\nMIIB second\n-----END CERTIFICATE-----\n';

interface RawAnswer {
  status: number;
  contentType: string | null;
  contentLength: string | null;
  body: string;
}

/**
 * `GET /v1/certificates/{id}` answers from the read cache with the body it keeps ready-made:
 * the bytes (and headers) must be exactly those of an answer built from the rows, on the
 * first read, on a hit, and after the rows change. The reference is a second API on the
 * same database with its caches off, which builds every answer from what it reads, and the
 * exact JSON devices have always been sent (its keys in this order). Plain `fetch` (the
 * harness's `request` parses JSON, and syncs before each call).
 */
describe('GET /v1/certificates/{id} served from the read cache', () => {
  let api: TestApi;
  let uncached: TestApi;
  let prisma: PrismaClient;
  let admin: string;

  beforeAll(async () => {
    const env = { FLEETCERT_FLEET_NAME: 'fetchcache', FLEETCERT_FLEET_ZONE: ZONE };
    api = await startTestApi(testConfig(env));
    uncached = await startTestApi(testConfig({ ...env, FLEETCERT_READ_CACHE_ENTRIES: '0' }));
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey('admin');
  });
  afterAll(async () => {
    await api?.close();
    await uncached?.close();
  });

  async function raw(target: TestApi, path: string, token: string, method = 'GET'): Promise<RawAnswer> {
    const res = await fetch(target.url + path, { method, headers: { authorization: `Bearer ${token}` } });
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      contentLength: res.headers.get('content-length'),
      body: await res.text(),
    };
  }

  async function requestCacheHits(): Promise<number> {
    const metric = await api.app.get(Metrics).readCacheLookups.get();
    return (
      metric.values.find((v) => v.labels.cache === 'device_request' && v.labels.outcome === 'hit')?.value ?? 0
    );
  }

  /** The API's answer, checked to come from the cache, and the cache-less API's. */
  async function cachedAndUncached(path: string, token: string) {
    const hits = await requestCacheHits();
    const cached = await raw(api, path, token);
    expect(await requestCacheHits()).toBe(hits + 1);
    return { cached, built: await raw(uncached, path, token) };
  }

  it('should send the same bytes and headers from the cache as built from the rows, also after they change', async () => {
    const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    const stored = await storeValidCertificate(prisma, device, CHAIN_1);
    const path = `/v1/certificates/${stored.id}`;
    const feed = api.app.get<ChangeFeed>(CHANGE_FEED);
    const expected = (chain: string) =>
      JSON.stringify({
        id: stored.id,
        status: 'valid',
        identifiers: [{ type: 'dns', value: device.hostname }],
        profile: 'classic',
        challenge: 'dns-01',
        createdAt: '2026-01-01T00:00:00.000Z',
        certificate: chain,
        notBefore: '2026-01-01T00:05:00.000Z',
        notAfter: '2026-04-01T00:05:00.000Z',
        renewal: { windowStart: '2026-03-02T00:05:00.000Z', windowEnd: '2026-03-04T00:05:00.000Z' },
        latest: stored.id,
      });
    const json = (body: string) => ({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      contentLength: String(Buffer.byteLength(body)),
      body,
    });

    // The first read fills the cache (and whatever authentication writes empties it once).
    await feed.sync();
    expect(await raw(api, path, device.token)).toEqual(json(expected(CHAIN_1)));
    await feed.sync();
    await raw(api, path, device.token);
    await feed.sync();
    const first = await cachedAndUncached(path, device.token);
    expect(first.cached).toEqual(json(expected(CHAIN_1)));
    expect(first.built).toEqual(first.cached);
    const again = await cachedAndUncached(path, device.token);
    expect(again.cached).toEqual(first.cached);

    // HEAD answers what GET would, without the body.
    const head = await raw(api, path, device.token, 'HEAD');
    expect(head).toEqual({ ...json(expected(CHAIN_1)), body: '' });
    expect(await raw(uncached, path, device.token, 'HEAD')).toEqual(head);

    // Another process replaces the chain: the cached body goes with the rows it was made of.
    await prisma.certificate.update({ where: { requestId: stored.id }, data: { chainPem: CHAIN_2 } });
    await waitFor(
      () => raw(api, path, device.token),
      (res) => res.body === expected(CHAIN_2),
      { what: 'the new chain', timeoutMs: 5000, intervalMs: 5 },
    );
    const replaced = await cachedAndUncached(path, device.token);
    expect(replaced.cached).toEqual(json(expected(CHAIN_2)));
    expect(replaced.built).toEqual(replaced.cached);

    // A failed request shows no certificate: a body of another shape, from the cache too.
    await prisma.certificateRequest.update({
      where: { id: stored.id },
      data: { status: 'failed', errorType: 'urn:ietf:params:acme:error:unauthorized', errorDetail: 'nö' },
    });
    const failed = await waitFor(
      () => raw(api, path, device.token),
      (res) => JSON.parse(res.body).status === 'failed',
      { what: 'the failed status', timeoutMs: 5000, intervalMs: 5 },
    );
    expect(JSON.parse(failed.body)).not.toHaveProperty('certificate');
    const afterFailure = await cachedAndUncached(path, device.token);
    expect(afterFailure.cached).toEqual(failed);
    expect(afterFailure.built).toEqual(failed);
  });

  // `POST /v1/certificates` is marked WritesOnlyNewRows (write-sync.hook.ts): its answer
  // drops no cache entry, here or in other processes. That is right only while a submission
  // changes nothing a cache holds: the device and its tokens (the authentication cache) and
  // the views of its requests (this cache), links included.
  it('should answer a submission without dropping cache entries, as it changes none of the rows they hold', async () => {
    const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    const stored = await storeValidCertificate(prisma, device, CHAIN_1);
    const path = `/v1/certificates/${stored.id}`;
    const authRows = () =>
      prisma.device.findUniqueOrThrow({ where: { id: device.id }, include: { tokens: true, fleet: true } });
    const viewBefore = await raw(uncached, path, device.token);
    expect(viewBefore.status).toBe(200);
    const rowsBefore = await authRows();

    const feed = api.app.get<ChangeFeed>(CHANGE_FEED);
    const changedHere = jest.spyOn(feed, 'changedHere');
    const changedEverywhere = jest.spyOn(feed, 'changedEverywhere');
    try {
      // A renewal-like submission: the same name, a new key; it replaces the stored certificate.
      const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
      const submitted = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
      expect(submitted.status).toBe(202);
      expect(submitted.body.id).not.toBe(stored.id);
      expect(changedHere).not.toHaveBeenCalled();
      expect(changedEverywhere).not.toHaveBeenCalled();
    } finally {
      changedHere.mockRestore();
      changedEverywhere.mockRestore();
    }

    // The stamp of the token's use is written behind and changes nothing a cache keeps.
    const rowsAfter = await authRows();
    const withoutStamps = (rows: typeof rowsBefore) => ({
      ...rows,
      tokens: rows.tokens.map((t) => ({ ...t, lastUsedAt: null })),
    });
    expect(withoutStamps(rowsAfter)).toEqual(withoutStamps(rowsBefore));
    expect(await raw(uncached, path, device.token)).toEqual(viewBefore);
  });

  it('should answer errors as before: JSON with its own content type, 404 and 400', async () => {
    const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    for (const [path, status] of [
      ['/v1/certificates/00000000-0000-4000-8000-000000000000', 404],
      ['/v1/certificates/not-a-uuid', 400],
    ] as const) {
      const answers = [await raw(api, path, device.token), await raw(uncached, path, device.token)];
      for (const answer of answers) {
        expect(answer.status).toBe(status);
        expect(answer.contentType).toBe('application/json; charset=utf-8');
      }
      const [fromApi, fromUncached] = answers.map((a) => ({ ...JSON.parse(a.body), requestId: undefined }));
      expect(fromApi).toEqual(fromUncached);
      expect(fromApi).toMatchObject({ statusCode: status });
    }
  });
});
