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
  });
});
