import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '@fleetcert/db';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';

describe('A saturated database pool', () => {
  let api: TestApi;
  let adminKey: string;
  let held: PoolClient | undefined;

  beforeAll(async () => {
    api = await startTestApi(
      testConfig({
        FLEETCERT_FLEET_NAME: 'saturated',
        FLEETCERT_FLEET_ZONE: 'saturated.fleet.test',
        FLEETCERT_DATABASE_POOL_SIZE: '1',
        FLEETCERT_DATABASE_POOL_WAIT_MS: '300',
      }),
    );
    adminKey = await api.operatorKey('admin');
  });
  afterEach(() => {
    held?.release();
    held = undefined;
  });
  afterAll(() => api.close());

  it('should answer 503 with Retry-After once the wait for a connection runs out, not hang', async () => {
    held = await api.app.get<Pool>(PG_POOL).connect();

    const res = await api.request('GET', '/v1/admin/devices', { token: adminKey });

    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
  });

  it('should serve again as soon as a connection is free', async () => {
    const res = await api.request('GET', '/v1/admin/devices', { token: adminKey });

    expect(res.status).toBe(200);
  });
});
