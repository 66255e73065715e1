import { PRISMA, PrismaClient } from '@fleetcert/db';
import { startTestApi, TestApi, TestResponse } from '../support/api';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';

const CSRF = { 'x-requested-with': 'fleetcert-dashboard' };

/** The cookies a response sets, by name, with their attributes as written. */
function setCookies(headers: Headers): Map<string, string> {
  return new Map(headers.getSetCookie().map((c) => [c.slice(0, c.indexOf('=')), c]));
}

function cookieValue(setCookie: string): string {
  return setCookie.slice(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
}

describe('Dashboard sessions (POST/GET/DELETE /v1/admin/session)', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  // A database of its own: "nothing stored" is checked by counting whole tables, which
  // the test file running beside this one (Jest runs two) would change meanwhile.
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    database = await isolatedDatabase('session');
    api = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'session',
        FLEETCERT_FLEET_ZONE: 'session.fleet.test',
      }),
    );
    prisma = api.app.get(PRISMA);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  async function signIn(
    apiKey: string,
  ): Promise<{ cookie: string; body: TestResponse['body']; headers: Headers }> {
    const res = await api.request('POST', '/v1/admin/session', { body: { apiKey } });
    expect(res.status).toBe(201);
    const session = setCookies(res.headers).get('fleetcert_session')!;
    return { cookie: `fleetcert_session=${cookieValue(session)}`, body: res.body, headers: res.headers };
  }

  it('should exchange an operator key for an HttpOnly, SameSite=Strict session cookie', async () => {
    const key = await api.operatorKey('admin');
    const res = await api.request('POST', '/v1/admin/session', { body: { apiKey: key } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ operator: { role: 'admin' }, via: 'session' });
    const ttl = new Date(res.body.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(11.9 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(12 * 3600_000);

    const cookies = setCookies(res.headers);
    const session = cookies.get('fleetcert_session')!;
    expect(session).toMatch(/^fleetcert_session=fcs_[a-z2-7]{12}_[A-Za-z0-9_-]{43};/);
    expect(session).toContain('HttpOnly');
    expect(session).toContain('SameSite=Strict');
    expect(session).toContain('Path=/v1/admin');
    expect(session).toContain('Max-Age=43200');
    expect(session).not.toContain('Secure'); // plain HTTP on loopback
    // The marker for the page's script carries no secret and is readable by it.
    expect(cookies.get('fleetcert_signed_in')).toMatch(/^fleetcert_signed_in=1; Path=\/;/);
    expect(cookies.get('fleetcert_signed_in')).not.toContain('HttpOnly');
    expect(res.headers.get('cache-control')).toBe('no-store');

    // Only the token's hash is stored, found by its prefix.
    const token = cookieValue(session);
    const row = await prisma.operatorSession.findUniqueOrThrow({ where: { prefix: token.split('_')[1] } });
    expect(Buffer.from(row.hash).toString('latin1')).not.toContain(token);
    expect(Buffer.from(row.hash)).toHaveLength(32);
  });

  it('should authenticate admin API calls with the cookie and say how the caller signed in', async () => {
    const key = await api.operatorKey('viewer');
    const { cookie, body } = await signIn(key);
    const me = await api.request('GET', '/v1/admin/session', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(body);
    expect((await api.request('GET', '/v1/admin/devices', { headers: { cookie } })).status).toBe(200);

    const viaKey = await api.request('GET', '/v1/admin/session', { token: key });
    expect(viaKey.body).toMatchObject({ via: 'api-key', expiresAt: null, operator: { role: 'viewer' } });
  });

  it('should let an admin session act only with the dashboard header, and audit who acted', async () => {
    const { cookie, body } = await signIn(await api.operatorKey('admin'));
    const before = await prisma.device.count();
    const bare = await api.request('POST', '/v1/admin/devices', { headers: { cookie }, body: {} });
    expect(bare.status).toBe(403);
    expect(bare.body.message).toContain('x-requested-with');
    expect(await prisma.device.count()).toBe(before);

    const created = await api.request('POST', '/v1/admin/devices', {
      headers: { cookie, ...CSRF },
      body: { identifier: 'session-made-1' },
    });
    expect(created.status).toBe(201);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: 'device.create', targetId: created.body.id },
    });
    expect(audit).toMatchObject({ actorType: 'operator', actorId: body.operator.id });
  });

  it('should refuse a viewer session an action with 403 and change nothing', async () => {
    const { cookie } = await signIn(await api.operatorKey('viewer'));
    const res = await api.request('POST', '/v1/admin/devices', { headers: { cookie, ...CSRF }, body: {} });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('This action needs the admin role');
  });

  it('should refuse a wrong, revoked or malformed key without setting a cookie', async () => {
    const wrong = await api.request('POST', '/v1/admin/session', {
      body: { apiKey: 'fco_aaaaaaaaaaaa_' + 'A'.repeat(43) },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const garbage = await api.request('POST', '/v1/admin/session', { body: { apiKey: 'hunter2' } });
    expect(garbage.status).toBe(401);
    const missing = await api.request('POST', '/v1/admin/session', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('apiKey');

    const key = await api.operatorKey('admin');
    const [{ id }] = (await api.request('GET', '/v1/admin/api-keys', { token: key })).body;
    await api.request('POST', `/v1/admin/api-keys/${id}/revoke`, { token: key });
    expect((await api.request('POST', '/v1/admin/session', { body: { apiKey: key } })).status).toBe(401);
  });

  it('should end the session on sign-out, clear both cookies and audit it', async () => {
    const { cookie, body } = await signIn(await api.operatorKey('admin'));
    const out = await api.request('DELETE', '/v1/admin/session', { headers: { cookie } });
    expect(out.status).toBe(204);
    const cleared = setCookies(out.headers);
    expect(cleared.get('fleetcert_session')).toMatch(
      /^fleetcert_session=; Path=\/v1\/admin; HttpOnly; Max-Age=0;/,
    );
    expect(cleared.get('fleetcert_signed_in')).toMatch(/^fleetcert_signed_in=; Path=\/; Max-Age=0;/);
    expect((await api.request('GET', '/v1/admin/devices', { headers: { cookie } })).status).toBe(401);
    expect(
      await prisma.auditEvent.count({ where: { action: 'session.delete', actorId: body.operator.id } }),
    ).toBe(1);
    // Signing out again (or without a session) is not an error.
    expect((await api.request('DELETE', '/v1/admin/session', { headers: { cookie } })).status).toBe(204);
    expect((await api.request('DELETE', '/v1/admin/session')).status).toBe(204);
  });

  it('should end the session when it expires or when its API key is revoked', async () => {
    const key = await api.operatorKey('admin');
    const expiring = await signIn(key);
    const prefix = expiring.cookie.split('_')[2];
    await prisma.operatorSession.update({
      where: { prefix },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(
      (await api.request('GET', '/v1/admin/session', { headers: { cookie: expiring.cookie } })).status,
    ).toBe(401);

    const live = await signIn(key);
    expect((await api.request('GET', '/v1/admin/session', { headers: { cookie: live.cookie } })).status).toBe(
      200,
    );
    const [{ id }] = (await api.request('GET', '/v1/admin/api-keys', { token: key })).body;
    await api.request('POST', `/v1/admin/api-keys/${id}/revoke`, { token: key });
    expect((await api.request('GET', '/v1/admin/session', { headers: { cookie: live.cookie } })).status).toBe(
      401,
    );
  });

  it('should ignore a forged or tampered session cookie', async () => {
    const { cookie } = await signIn(await api.operatorKey('admin'));
    const last = cookie.at(-1) === 'A' ? 'B' : 'A';
    const tampered = cookie.slice(0, -1) + last;
    expect((await api.request('GET', '/v1/admin/session', { headers: { cookie: tampered } })).status).toBe(
      401,
    );
    expect(
      (await api.request('GET', '/v1/admin/session', { headers: { cookie: 'fleetcert_session=fco_nope' } }))
        .status,
    ).toBe(401);
  });

  it('should mark the cookie Secure when the API is reached over HTTPS through a trusted proxy', async () => {
    const proxied = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'session',
        FLEETCERT_FLEET_ZONE: 'session.fleet.test',
        FLEETCERT_HTTP_TRUST_PROXY: 'true',
        FLEETCERT_SESSION_TTL_HOURS: '1',
      }),
    );
    try {
      const res = await proxied.request('POST', '/v1/admin/session', {
        body: { apiKey: await proxied.operatorKey('admin') },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).toBe(201);
      const cookies = setCookies(res.headers);
      expect(cookies.get('fleetcert_session')).toContain('; Secure');
      expect(cookies.get('fleetcert_session')).toContain('Max-Age=3600');
      expect(cookies.get('fleetcert_signed_in')).toContain('; Secure');
    } finally {
      await proxied.close();
    }
  });
});
