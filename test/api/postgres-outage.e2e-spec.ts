import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { startTestApi, type TestApi } from '../support/api';
import { capturedLogger } from '../support/captured-log';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { startDependencyLink, type DependencyLink } from '../support/dependency-link';
import { waitFor } from '../support/wait-for';
import { withDatabase } from '../db/test-database';

/**
 * "A dependency outage gets a 503 and loses nothing", for Postgres: the API in front of a
 * real Postgres that stops serving it in the ways production sees. Every route answers
 * 503 in the one error shape with Retry-After (never 500), writes nothing, and serves
 * again once the database is back.
 */
describe('API during a Postgres outage', () => {
  let db: { url: string; drop(): Promise<void> };
  let dbName: string;
  let link: DependencyLink;
  let api: TestApi;
  let admin: string;
  let device: { id: string; token: string; hostname: string };
  let csr: string;
  let requestId: string;
  /** A dashboard session's cookie: the dashboard signs its operator out on a 401. */
  let sessionCookie: string;
  const { logger, lines: logLines } = capturedLogger();
  let startedAt: number;
  let answered503 = 0;

  beforeAll(async () => {
    db = await isolatedDatabase('pgoutage');
    dbName = new URL(db.url).pathname.slice(1);
    link = await startDependencyLink(db.url);
    api = await startTestApi(testConfig({ DATABASE_URL: link.url }), logger);
    startedAt = Date.now();
    admin = await api.operatorKey('admin');
    device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
    const submitted = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
    expect(submitted.status).toBe(202);
    requestId = submitted.body.id;
    const signedIn = await api.request('POST', '/v1/admin/session', { body: { apiKey: admin } });
    expect(signedIn.status).toBe(201);
    sessionCookie = signedIn.headers.getSetCookie()[0].split(';')[0];
  });

  afterAll(async () => {
    await link?.mend();
    await api?.close();
    await link?.close();
    await db?.drop();
  });

  /** One request per kind of route: device and operator, reads and writes. */
  function requests(): { method: string; path: string; token?: string; cookie?: string; body?: unknown }[] {
    return [
      { method: 'GET', path: '/v1/device', token: device.token },
      { method: 'POST', path: '/v1/certificates', token: device.token, body: { csr } },
      { method: 'GET', path: `/v1/certificates/${requestId}`, token: device.token },
      { method: 'GET', path: '/v1/device/challenges', token: device.token },
      { method: 'POST', path: '/v1/admin/devices', token: admin, body: {} },
      { method: 'GET', path: '/v1/admin/devices', token: admin },
      { method: 'GET', path: `/v1/admin/devices/${device.id}`, token: admin },
      { method: 'POST', path: `/v1/admin/devices/${device.id}/disable`, token: admin },
      { method: 'GET', path: '/v1/admin/fleet/status', token: admin },
      { method: 'GET', path: '/v1/admin/rate-limits', token: admin },
      { method: 'GET', path: '/v1/admin/failures', token: admin },
      { method: 'GET', path: '/v1/admin/audit', token: admin },
      { method: 'GET', path: '/v1/admin/api-keys', token: admin },
      { method: 'GET', path: '/v1/admin/session', cookie: sessionCookie },
      { method: 'GET', path: '/v1/admin/fleet/status', cookie: sessionCookie },
    ];
  }

  function label(r: ReturnType<typeof requests>[number]): string {
    return `${r.method} ${r.path}${r.cookie ? ' (dashboard session)' : ''}`;
  }

  /** Straight to the API, without the test client's wait on the change feed (down too). */
  async function send(r: ReturnType<typeof requests>[number]) {
    const res = await fetch(api.url + r.path, {
      method: r.method,
      headers: {
        ...(r.token === undefined ? {} : { authorization: `Bearer ${r.token}` }),
        ...(r.cookie === undefined ? {} : { cookie: r.cookie }),
        ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
  }

  async function rowCounts(): Promise<Record<string, number>> {
    return withDatabase(dbName, async (client) => {
      const { rows } = await client.query<Record<string, number>>(`SELECT
        (SELECT count(*)::int FROM devices) AS devices,
        (SELECT count(*)::int FROM devices WHERE status = 'active') AS active,
        (SELECT count(*)::int FROM certificate_requests) AS requests,
        (SELECT count(*)::int FROM audit_events) AS audit`);
      return rows[0];
    });
  }

  /** Runs `statements` in turn on the server's maintenance database. */
  function onAdmin(...statements: string[]): Promise<void> {
    return withDatabase('postgres', async (client) => {
      for (const sql of statements) await client.query(sql);
    });
  }

  /** Ends every session on the database and waits until they are gone. */
  function endSessions(name: string): Promise<void> {
    return withDatabase('postgres', async (client) => {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await waitFor(
        async () =>
          (await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]))
            .rows[0].n as number,
        (n) => n === 0,
        { what: `the sessions on ${name} to end` },
      );
    });
  }

  const outages: [string, () => Promise<void>, () => Promise<void>][] = [
    ['unreachable (stopped, or the network between is down)', () => link.cut(), () => link.mend()],
    [
      'closed to connections, its sessions ended (maintenance)',
      async () => {
        await onAdmin(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
        await endSessions(dbName);
      },
      () => onAdmin(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`),
    ],
    [
      'gone (dropped or renamed under the running API)',
      async () => {
        await onAdmin(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
        await endSessions(dbName);
        await onAdmin(`ALTER DATABASE "${dbName}" RENAME TO "${dbName}_away"`);
      },
      () =>
        onAdmin(
          `ALTER DATABASE "${dbName}_away" RENAME TO "${dbName}"`,
          `ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`,
        ),
    ],
  ];

  it.each(outages)(
    'should answer 503 with Retry-After and change nothing while the database is %s, then serve again',
    async (_kind, begin, end) => {
      const before = await rowCounts();
      await begin();
      try {
        for (const r of requests()) {
          const res = await send(r);
          if (res.status === 503) answered503++;
          expect({ route: label(r), status: res.status }).toEqual({
            route: label(r),
            status: 503,
          });
          expect(res.retryAfter).not.toBeNull();
          expect(res.body).toMatchObject({
            statusCode: 503,
            error: 'Service Unavailable',
            message: expect.stringContaining('unavailable'),
          });
        }
        const health = await fetch(`${api.url}/health`);
        const checks = ((await health.json()) as { checks: Record<string, string> }).checks;
        expect(health.status).toBe(503);
        // Says why, in the database's words, not an empty string.
        expect(checks.postgres).toMatch(/\w{4,}/);
        expect(checks.postgres).not.toBe('ok');
      } finally {
        await end();
      }

      await waitFor(
        async () => (await fetch(`${api.url}/health`)).status,
        (status) => status === 200,
        { what: 'the API to report Postgres back' },
      );
      expect(await rowCounts()).toEqual(before);
      for (const r of requests().filter((r) => r.method === 'GET')) {
        const res = await send(r);
        expect({ route: label(r), status: res.status }).toEqual({
          route: label(r),
          status: 200,
        });
      }
      const stored = await send({
        method: 'GET',
        path: `/v1/certificates/${requestId}`,
        token: device.token,
      });
      expect(stored.body).toMatchObject({ id: requestId, status: 'pending' });
    },
    60_000,
  );

  it('should log the outage once per interval with the count, not once per request', () => {
    const lines = logLines.filter((l) => l.msg === 'dependency unavailable');
    expect(answered503).toBeGreaterThan(30);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(1 + Math.floor((Date.now() - startedAt) / 10_000));
    expect(lines[0]).toMatchObject({
      level: 40,
      status: 503,
      answered: 1,
      reason: expect.stringMatching(/\w{4,}/),
    });
  });
});

/**
 * Postgres's host stops answering without closing anything (a network partition, a frozen
 * host, a failover that moves the server away): queries on open connections get neither an
 * answer nor a reset. Without a limit, a request on such a connection waits until TCP
 * gives up (~15 min), and so does its connection.
 */
describe('API when Postgres stops answering on its open connections', () => {
  let db: { url: string; drop(): Promise<void> };
  let link: DependencyLink;
  let api: TestApi;
  let admin: string;

  beforeAll(async () => {
    db = await isolatedDatabase('pgstall');
    link = await startDependencyLink(db.url);
    api = await startTestApi(
      testConfig({
        DATABASE_URL: link.url,
        FLEETCERT_DATABASE_QUERY_TIMEOUT_MS: '1000',
        FLEETCERT_DATABASE_POOL_WAIT_MS: '1000',
      }),
    );
    admin = await api.operatorKey('admin');
  });
  afterAll(async () => {
    await link?.cut();
    await api?.close();
    await link?.close();
    await db?.drop();
  });

  /** Operator reads, all at once: each takes a pooled connection. */
  async function reads(n: number): Promise<{ status: number; ms: number }[]> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const startedAt = Date.now();
        // A request still waiting after 15 s counts as hung: fetch rejects and the test fails.
        const res = await fetch(`${api.url}/v1/admin/devices?limit=5`, {
          headers: { authorization: `Bearer ${admin}` },
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        return { status: res.status, ms: Date.now() - startedAt };
      }),
    );
  }

  it('should answer 503 once the statement timeout passes, discard those connections, and serve on new ones', async () => {
    // Open connections in the pool, all idle when the server goes quiet.
    expect((await reads(5)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    link.stall();

    const during = await reads(5);
    // The requests that drew a silent connection gave up after the timeout; none hung.
    expect(during.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(during.every((r) => r.status === 200 || r.status === 503)).toBe(true);

    // Those connections are gone: the server still takes new ones, and the API serves again.
    const after = await waitFor(
      () => reads(5),
      (rs) => rs.every((r) => r.status === 200),
      { what: 'every read to be served on new connections', timeoutMs: 20_000 },
    );
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  }, 60_000);

  it('should answer 503 while no connection gets through at all, and serve again once they do', async () => {
    link.stall({ blackhole: true });
    const during = await reads(3);
    expect(during.map((r) => r.status)).toEqual([503, 503, 503]);

    await link.mend();
    await waitFor(
      () => reads(3),
      (rs) => rs.every((r) => r.status === 200),
      { what: 'every read to be served again', timeoutMs: 20_000 },
    );
  }, 60_000);
});
