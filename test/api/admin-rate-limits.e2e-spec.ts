import { perPeriod } from '@fleetcert/ratelimit';
import { RateLimitRepository } from '@fleetcert/db';
import { FixtureCa } from '../acme/support/fixture-ca';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';

const HOUR = 3600_000;

describe('GET /v1/admin/rate-limits and /v1/admin/fleet/status', () => {
  let ca: FixtureCa;
  let api: TestApi;
  let viewer: string;

  beforeAll(async () => {
    // A CA of its own: its directory URL is the scope of the buckets this suite seeds.
    ca = new FixtureCa();
    await ca.start();
    api = await startTestApi(
      testConfig({
        FLEETCERT_FLEET_NAME: 'limits',
        FLEETCERT_FLEET_ZONE: 'devices.limits.example',
        FLEETCERT_ACME_DIRECTORY_URL: ca.directoryUrl,
        FLEETCERT_RATE_LIMITS: 'letsencrypt',
      }),
    );
    viewer = await api.operatorKey('viewer');
    const buckets = api.app.get(RateLimitRepository);
    const exactSet = perPeriod('certificatesPerExactSet', 5, 7 * 24 * HOUR);
    const orders = perPeriod('newOrdersPerAccount', 300, 3 * HOUR);
    // Three exact sets with 1, 2 and 3 tokens spent; ten orders.
    for (let i = 1; i <= 3; i++) {
      for (let n = 0; n < i; n++) {
        await buckets.apply(ca.directoryUrl, [
          { limit: exactSet, key: `dns:d${i}.devices.limits.example`, cost: 1, check: true, spend: true },
        ]);
      }
    }
    for (let n = 0; n < 10; n++) {
      await buckets.apply(ca.directoryUrl, [
        { limit: orders, key: 'account', cost: 1, check: true, spend: true },
      ]);
    }
    // The zone's registered domain has spent 4 of its 50 weekly certificates.
    const domain = perPeriod('certificatesPerRegisteredDomain', 50, 7 * 24 * HOUR);
    for (let n = 0; n < 4; n++) {
      await buckets.apply(ca.directoryUrl, [
        { limit: domain, key: 'limits.example', cost: 1, check: true, spend: true },
      ]);
    }
  }, 30_000);

  afterAll(async () => {
    await api?.close();
    await ca?.stop();
  });

  it("should list the model's limits and the buckets with least headroom first, to a viewer", async () => {
    const res = await api.request('GET', '/v1/admin/rate-limits', { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body.account).toEqual({ directoryUrl: ca.directoryUrl, accountUrl: null });
    expect(res.body.model).toBe('letsencrypt');
    expect(res.body.limits).toContainEqual({
      limit: 'certificatesPerRegisteredDomain',
      capacity: 50,
      refillEverySeconds: 12096,
      renewalExempt: true,
      ariRenewalExempt: true,
    });
    const summary = res.body.buckets.map((b: { limit: string; key: string; remaining: number }) => [
      b.limit,
      b.key,
      b.remaining,
    ]);
    expect(summary).toEqual([
      ['newOrdersPerAccount', 'account', 290],
      ['certificatesPerExactSet', 'dns:d3.devices.limits.example', 2],
      ['certificatesPerExactSet', 'dns:d2.devices.limits.example', 3],
      ['certificatesPerExactSet', 'dns:d1.devices.limits.example', 4],
      ['certificatesPerRegisteredDomain', 'limits.example', 46],
    ]);
    const [orders] = res.body.buckets;
    expect(Date.parse(orders.nextAvailableAt) - Date.now()).toBeLessThanOrEqual(36_000);
    expect(Date.parse(orders.fullAt) - Date.now()).toBeGreaterThan(9 * 36_000 - 60_000);
  });

  it('should page through the buckets and filter them by limit', async () => {
    const first = await api.request('GET', '/v1/admin/rate-limits?limit=certificatesPerExactSet&pageSize=2', {
      token: viewer,
    });
    expect(first.body.buckets.map((b: { key: string }) => b.key)).toEqual([
      'dns:d3.devices.limits.example',
      'dns:d2.devices.limits.example',
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.request(
      'GET',
      `/v1/admin/rate-limits?limit=certificatesPerExactSet&pageSize=2&cursor=${first.body.nextCursor}`,
      { token: viewer },
    );
    expect(second.body.buckets.map((b: { key: string }) => b.key)).toEqual(['dns:d1.devices.limits.example']);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('should refuse bad queries with a 400 in the one error shape', async () => {
    for (const query of [
      'limit=ordersPerHour',
      'pageSize=0',
      'pageSize=5000',
      'cursor=bad*cursor',
      'cursor=AAAA',
    ]) {
      const res = await api.request('GET', `/v1/admin/rate-limits?${query}`, { token: viewer });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    }
    expect((await api.request('GET', '/v1/admin/rate-limits')).status).toBe(401);
  });

  it('should forecast onboarding from the buckets', async () => {
    const res = await api.request('GET', '/v1/admin/fleet/status', { token: viewer });
    expect(res.status).toBe(200);
    // 46 tokens left for the zone's registered domain, 7 more within a day, 50 within a week.
    expect(res.body.capacity.next24h).toMatchObject({
      newDevices: 53,
      limitedBy: 'certificatesPerRegisteredDomain',
    });
    expect(res.body.capacity.next7Days).toMatchObject({
      newDevices: 96,
      limitedBy: 'certificatesPerRegisteredDomain',
    });
    expect(res.body.capacity.next24h.renewalsSpend).toEqual({
      newOrdersPerAccount: 0,
      certificatesPerRegisteredDomain: 0,
    });
    const rl = await api.request('GET', '/v1/admin/rate-limits', { token: viewer });
    expect(rl.body.forecast).toEqual(res.body.capacity);
    for (const key of ['devices', 'certificates', 'requests', 'failures', 'renewals']) {
      expect(Object.values(res.body[key]).every((v) => typeof v === 'number' || Array.isArray(v))).toBe(true);
    }
    expect(Object.keys(res.body.certificates).sort()).toEqual(['expired', 'expiring', 'revoked', 'valid']);
  });
});
