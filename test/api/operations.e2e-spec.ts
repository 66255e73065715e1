import { randomUUID } from 'node:crypto';
import { IssuanceQueue } from '../../apps/api/src/queue/issuance-queue';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';

describe('Operations endpoints', () => {
  describe('with Postgres and Redis up', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi(
        testConfig({ FLEETCERT_FLEET_NAME: 'ops', FLEETCERT_FLEET_ZONE: 'ops.fleet.test' }),
      );
    });
    afterAll(() => api.close());

    it('should report ready when both answer', async () => {
      const res = await api.request('GET', '/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    });

    it('should expose Prometheus metrics, including the request that was just made', async () => {
      await api.request('GET', '/health');
      const res = await api.request('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(res.body).toMatch(
        /fleetcert_http_request_duration_seconds_count\{[^}]*route="\/health"[^}]*\} \d+/,
      );
    });

    it("should report the issuance queue's jobs by state, read from Redis when scraped", async () => {
      const queue = api.app.get(IssuanceQueue);
      // No worker runs beside this API: jobs stay where they were put.
      await queue.enqueue(randomUUID());
      await queue.enqueue(randomUUID());
      await queue.enqueue(randomUUID(), new Date(Date.now() + 3_600_000));

      const res = await api.request('GET', '/metrics');

      expect(res.status).toBe(200);
      expect(queueJobs(res.body)).toEqual({ waiting: 2, active: 0, delayed: 1, failed: 0, completed: 0 });
      const admin = await api.operatorKey('admin');
      const counts = await api.request('GET', '/v1/admin/queue', { token: admin });
      expect(counts.body).toMatchObject({ waiting: 2, delayed: 1 });
    });

    it('should serve an OpenAPI document describing the device and admin APIs', async () => {
      const res = await api.request('GET', '/docs/openapi.json');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/v1/device/addresses',
          '/v1/admin/devices',
          '/v1/admin/devices/{id}/rotate-token',
        ]),
      );
      expect(res.body.components.securitySchemes).toHaveProperty('device');
      // An action's failures are documented with it, e.g. the account key rollover's.
      expect(
        Object.keys(res.body.paths['/v1/admin/acme-account/key-rollover'].post.responses).sort(),
      ).toEqual(['200', '401', '403', '404', '409', '422', '503']);
      const ui = await fetch(`${api.url}/docs`);
      expect(ui.status).toBe(200);
    });

    it('should echo a sane X-Request-Id and put it in error bodies', async () => {
      const res = await api.request('GET', '/v1/admin/devices', { headers: { 'x-request-id': 'trace-123' } });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-request-id')).toBe('trace-123');
      expect(res.body.requestId).toBe('trace-123');
    });

    it('should answer an unknown route with 404 in the one error shape', async () => {
      const res = await api.request('GET', '/v1/nothing-here');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('with Redis unreachable', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi(
        testConfig({
          FLEETCERT_FLEET_NAME: 'ops',
          FLEETCERT_FLEET_ZONE: 'ops.fleet.test',
          REDIS_URL: 'redis://127.0.0.1:1',
        }),
      );
    });
    afterAll(() => api.close());

    it('should report 503 naming the failed dependency', async () => {
      const res = await api.request('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unavailable');
      expect(res.body.checks.postgres).toBe('ok');
      expect(res.body.checks.redis).not.toBe('ok');
    });

    it('should still serve its metrics, with no queue samples rather than stale or made-up ones', async () => {
      const res = await api.request('GET', '/metrics');

      expect(res.status).toBe(200);
      expect(res.body).toContain('fleetcert_http_request_duration_seconds');
      expect(queueJobs(res.body)).toEqual({});
    });

    it('should accept and store a CSR, not hang on the job add: the reconciler enqueues it once Redis is back', async () => {
      const admin = await api.operatorKey('admin');
      for (let i = 0; i < 2; i++) {
        const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
        const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });

        const res = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });

        expect(res.status).toBe(202);
        expect(res.body.status).toBe('pending');
        const stored = await api.request('GET', `/v1/certificates/${res.body.id}`, { token: device.token });
        expect(stored.body).toMatchObject({ id: res.body.id, status: 'pending' });
      }
    });

    it("should answer an operator's queue reads with 503, not leave them waiting for Redis", async () => {
      const admin = await api.operatorKey('admin');

      for (const path of [
        '/v1/admin/queue',
        '/v1/admin/queue/failed',
        `/v1/admin/queue/jobs/${randomUUID()}/retry`,
      ]) {
        const method = path.endsWith('/retry') ? 'POST' : 'GET';
        const res = await api.request(method, path, { token: admin });
        expect({ path, status: res.status }).toEqual({ path, status: 503 });
        expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
        expect(res.headers.get('retry-after')).not.toBeNull();
      }
    });
  });
});

/** The `fleetcert_queue_jobs` samples of a scrape, by state. */
function queueJobs(scrape: string): Record<string, number> {
  const samples: Record<string, number> = {};
  for (const [, state, value] of scrape.matchAll(
    /^fleetcert_queue_jobs\{[^}]*state="([a-z]+)"[^}]*\} (\d+)$/gm,
  )) {
    samples[state] = Number(value);
  }
  return samples;
}
