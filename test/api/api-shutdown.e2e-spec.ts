import { Client } from 'pg';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { certificateWith } from '../acme/support/test-certificate';
import { startTestApi, TestApi, TestResponse } from '../support/api';
import { testConfig } from '../support/config';
import { storeValidCertificate } from '../support/stored-rows';
import { SilentTcpServer, startSilentTcpServer } from '../support/silent-peers';
import { waitFor } from '../support/wait-for';

/**
 * The API closing (SIGTERM runs the same `app.close()`) while a request waits on a CA that
 * does not answer: the request in flight is answered 503 once the shutdown grace period is
 * over, nothing is changed, and the close completes instead of waiting out minutes of
 * timeouts and retries. The silent CA is a socket that accepts and never answers.
 */
describe('API shutdown while the CA does not answer', () => {
  let silentCa: SilentTcpServer;
  let api: TestApi | undefined;

  beforeAll(async () => {
    silentCa = await startSilentTcpServer();
  });
  afterAll(async () => {
    silentCa.close();
    await api?.close();
  });

  it('should answer a revocation waiting on the CA with 503, change nothing, and close', async () => {
    const config = testConfig({
      FLEETCERT_FLEET_NAME: 'api-shutdown',
      FLEETCERT_FLEET_ZONE: 'api-shutdown.fleet.test',
      FLEETCERT_ACME_DIRECTORY_URL: `https://127.0.0.1:${silentCa.port}/dir`,
      // Left alone, the revocation would wait 4 × 5 minutes on the silent CA, plus backoff.
      FLEETCERT_ACME_TIMEOUT_MS: '300000',
      FLEETCERT_SHUTDOWN_GRACE_MS: '300',
    });
    const started = await startTestApi(config);
    api = started;
    const admin = await started.operatorKey('admin');
    const device = (await started.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    const request = await storeValidCertificate(
      started.app.get<PrismaClient>(PRISMA),
      device,
      await certificateWith('0a1b2c', 'aa'.repeat(20)),
    );

    const revocation: Promise<TestResponse> = started.request(
      'POST',
      `/v1/admin/certificates/${request.id}/revoke`,
      { token: admin, body: { reason: 'keyCompromise' } },
    );
    await waitFor(
      async () => silentCa.connections.length,
      (n) => n > 0,
      { what: 'the API to call the CA' },
    );

    await started.close();
    api = undefined;
    const res = await revocation;
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(res.body.message).toContain('nothing was changed');
    // Answered during the close: the connection closes with it (else the close waits on it).
    expect(res.headers.get('connection')).toBe('close');

    // Read with a connection of its own: the API's pool is closed.
    const db = new Client({ connectionString: config.database.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT "revokedAt" FROM certificates WHERE "requestId" = $1', [
        request.id,
      ]);
      expect(rows).toEqual([{ revokedAt: null }]);
    } finally {
      await db.end();
    }
  });
});
