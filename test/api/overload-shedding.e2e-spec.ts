import { PRISMA, PrismaClient } from '@fleetcert/db';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { SHED_RETRY_AFTER_SECONDS } from '../../apps/api/src/overload/shed-device-requests';
import { startTestApi, TestApi, TestResponse } from '../support/api';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { metricValue } from '../support/prometheus';
import { waitFor } from '../support/wait-for';
import { capturedLogger } from '../support/captured-log';

const ZONE = 'overload.fleet.test';
/** Submissions sent together: a small wave makes the "queue", the big one after it overflows. */
const WAVES = [12, 36];
const MAX_ROUNDS = 4;

interface Submitter {
  id: string;
  token: string;
  csr: string;
}

/**
 * Overload shedding in the real application. A queue-delay target of 1 ms makes every wave
 * of concurrent submissions look like a standing queue (each takes a database commit and a
 * Redis round trip), so of the bigger wave right after it, the process takes only as many
 * as it just served and turns the rest away: what an overloaded API does, made without
 * having to overload this machine.
 */
describe('overload shedding (FLEETCERT_HTTP_SHED_QUEUE_DELAY_MS)', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  let admin: string;
  // A database of its own: its hundred submissions would change other files' counts.
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  /** The API's log lines, at production's level (info: the access log included). */
  const { logger, lines: logLines } = capturedLogger();

  beforeAll(async () => {
    database = await isolatedDatabase('overload');
    api = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'overload',
        FLEETCERT_FLEET_ZONE: ZONE,
        FLEETCERT_HTTP_SHED_QUEUE_DELAY_MS: '1',
      }),
      logger,
    );
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey();
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  async function submitters(n: number): Promise<Submitter[]> {
    const keys = await generateKeys({ ec: 'P-256' });
    const out: Submitter[] = [];
    for (let i = 0; i < n; i++) {
      const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
      out.push({ id: device.id, token: device.token, csr: await makeCsr({ keys, dns: [device.hostname] }) });
    }
    return out;
  }

  const submit = (s: Submitter) =>
    api.request('POST', '/v1/certificates', { token: s.token, body: { csr: s.csr } });

  it('should answer device requests 503 with Retry-After and change nothing, keep serving operators, and let the devices in again', async () => {
    const startedAt = Date.now();
    const perRound = WAVES.reduce((a, b) => a + b);
    const devices = await submitters(perRound * MAX_ROUNDS);
    const shed: Array<{ device: Submitter; res: TestResponse }> = [];
    const taken: TestResponse[] = [];
    const others: TestResponse[] = [];
    // Waves back to back until some are shed.
    let next = 0;
    for (let round = 0; round < MAX_ROUNDS && shed.length === 0; round++) {
      for (const size of WAVES) {
        const batch = devices.slice(next, (next += size));
        const [answers, operator, health] = await Promise.all([
          Promise.all(batch.map(submit)),
          api.request('GET', '/v1/admin/devices', { token: admin }),
          api.request('GET', '/health'),
        ]);
        others.push(operator, health);
        answers.forEach((res, i) => {
          if (res.status === 503) shed.push({ device: batch[i], res });
          else taken.push(res);
        });
      }
    }
    expect(shed.length).toBeGreaterThan(0);
    expect(taken.map((r) => r.status)).toEqual(taken.map(() => 202));
    // Operators and health checks are never shed.
    expect(others.map((r) => r.status)).toEqual(others.map(() => 200));

    for (const { device, res } of shed) {
      expect(res.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringContaining('overloaded; nothing was changed'),
        requestId: res.headers.get('x-request-id'),
      });
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(SHED_RETRY_AFTER_SECONDS.min);
      expect(retryAfter).toBeLessThanOrEqual(SHED_RETRY_AFTER_SECONDS.max);
      expect(await prisma.certificateRequest.count({ where: { deviceId: device.id } })).toBe(0);
    }
    const metrics = (await api.request('GET', '/metrics')).body as string;
    expect(metricValue(metrics, 'fleetcert_http_requests_shed_total', {})).toBe(shed.length);
    expect(
      metricValue(metrics, 'fleetcert_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/certificates',
        status: '503',
      }),
    ).toBe(shed.length);

    // The access log has a line for each submission taken and none for those turned away
    // (a flood of them would bury the requests served); the warning says how many were,
    // once however many there were.
    const accessLines = (requestId: string | null) =>
      logLines.filter((l) => l.msg === 'request completed' && l.reqId === requestId);
    await waitFor(
      async () => taken.every((res) => accessLines(res.headers.get('x-request-id')).length === 1),
      (allLogged) => allLogged,
      { what: 'the access log lines of the submissions taken' },
    );
    for (const { res } of shed) expect(accessLines(res.headers.get('x-request-id'))).toEqual([]);
    const warnings = logLines.filter((l) => String(l.msg).startsWith('overloaded:'));
    expect(warnings[0]).toMatchObject({ level: 40, queueDelayTargetMs: 1, shed: 1 });
    // At most one every 10 s.
    expect(warnings.length).toBeLessThanOrEqual(1 + Math.floor((Date.now() - startedAt) / 10_000));

    // Retrying one at a time, as devices honouring Retry-After come back, they are served
    // once the interval that saw the queue has passed (fewer than 8 requests show none).
    for (const { device } of shed) {
      const again = await waitFor(
        () => submit(device),
        (res) => res.status !== 503,
        { timeoutMs: 5_000, intervalMs: 20, what: 'the shed device to be served' },
      );
      expect(again.status).toBe(202);
      expect(await prisma.certificateRequest.count({ where: { deviceId: device.id } })).toBe(1);
    }
  });
});
