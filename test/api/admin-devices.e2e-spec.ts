import { Client } from 'pg';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';

describe('Admin device API', () => {
  let api: TestApi;
  let admin: string;
  let viewer: string;
  let prisma: PrismaClient;

  // A database of its own: "changes nothing" is checked by counting every device and audit
  // event, which other test files writing to a shared database would change meanwhile.
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    database = await isolatedDatabase('admindevices');
    // A server whose sessions are not in UTC: stored instants must not depend on it.
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    await pg.query(
      `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET timezone TO 'America/New_York'`,
    );
    await pg.end();
    api = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'admin-devices',
        FLEETCERT_FLEET_ZONE: 'admin.fleet.test',
      }),
    );
    admin = await api.operatorKey('admin');
    viewer = await api.operatorKey('viewer');
    prisma = api.app.get(PRISMA);
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('should create a device with a random DNS-safe label, its hostname in the zone, and a token shown once', async () => {
    const res = await api.request('POST', '/v1/admin/devices', {
      token: admin,
      body: { labels: { site: 'berlin' } },
    });
    expect(res.status).toBe(201);
    expect(res.body.hostname).toMatch(/^[a-z2-7]{10}\.admin\.fleet\.test$/);
    expect(res.body.token).toMatch(/^fcd_/);
    const stored = await prisma.deviceToken.findMany({ where: { deviceId: res.body.id } });
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0].hash).toString('hex')).not.toContain(res.body.token);
    const again = await api.request('GET', `/v1/admin/devices/${res.body.id}`, { token: viewer });
    expect(again.status).toBe(200);
    expect(again.body).not.toHaveProperty('token');
    expect(again.body.labels).toEqual({ site: 'berlin' });
  });

  it('should use a given label and identifier and refuse them a second time with 409', async () => {
    const body = { label: 'Kiosk-0001', identifier: 'SN-0001' };
    const first = await api.request('POST', '/v1/admin/devices', { token: admin, body });
    expect(first.status).toBe(201);
    expect(first.body.hostname).toBe('kiosk-0001.admin.fleet.test');
    expect(first.body.identifier).toBe('SN-0001');
    const second = await api.request('POST', '/v1/admin/devices', { token: admin, body });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(second.body.message).toContain('kiosk-0001');
  });

  it('should create many devices in one call, all or none', async () => {
    const devices = Array.from({ length: 200 }, (_, i) => ({
      identifier: `bulk-${i}`,
      labels: { batch: 'b1' },
    }));
    const auditBefore = await prisma.auditEvent.count({ where: { action: 'device.create' } });
    const res = await api.request('POST', '/v1/admin/devices/bulk', { token: admin, body: { devices } });
    expect(res.status).toBe(201);
    expect(res.body.devices).toHaveLength(200);
    expect(new Set(res.body.devices.map((d: { token: string }) => d.token)).size).toBe(200);
    // In the order asked for, each with its labels, and each token its own device's.
    type Created = { id: string; identifier: string; hostname: string; token: string };
    const created: Created[] = res.body.devices;
    expect(created.map((d) => d.identifier)).toEqual(devices.map((d) => d.identifier));
    for (const d of [created[0], created[137], created[199]]) {
      const self = await api.request('GET', '/v1/device', { token: d.token });
      expect(self.status).toBe(200);
      expect(self.body).toMatchObject({ hostname: d.hostname });
      const stored = await prisma.device.findUniqueOrThrow({ where: { id: d.id } });
      expect(stored).toMatchObject({ identifier: d.identifier, labels: { batch: 'b1' }, status: 'active' });
      expect(stored.updatedAt.getTime()).toBe(stored.createdAt.getTime());
      expect(Math.abs(stored.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    }
    // One audit event per device, naming it.
    const audited = await prisma.auditEvent.findMany({
      where: { action: 'device.create', targetId: { in: created.map((d) => d.id) } },
    });
    expect(audited).toHaveLength(200);
    expect(await prisma.auditEvent.count({ where: { action: 'device.create' } })).toBe(auditBefore + 200);
    const audit137 = audited.find((e) => e.targetId === created[137].id)!;
    expect(Math.abs(audit137.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(audit137).toMatchObject({
      actorType: 'operator',
      targetType: 'device',
      details: { identifier: 'bulk-137', hostname: created[137].hostname },
    });

    const before = await prisma.device.count();
    const clash = await api.request('POST', '/v1/admin/devices/bulk', {
      token: admin,
      body: { devices: [{ identifier: 'fresh-1' }, { identifier: 'bulk-7' }] },
    });
    expect(clash.status).toBe(409);
    expect(await prisma.device.count()).toBe(before);
  });

  it('should answer 409 to the loser of two bulk enrolments racing for the same identifiers, and store nothing of it', async () => {
    const devices = Array.from({ length: 300 }, (_, i) => ({ identifier: `race-${i}` }));
    const [devicesBefore, eventsBefore] = [await prisma.device.count(), await prisma.auditEvent.count()];
    // Both pass the "already taken?" check before either commits; the unique index decides.
    const answers = await Promise.all(
      [0, 1].map(() => api.request('POST', '/v1/admin/devices/bulk', { token: admin, body: { devices } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(refused.body.message).toMatch(/race-\d+/);
    expect(await prisma.device.count()).toBe(devicesBefore + 300);
    expect(await prisma.auditEvent.count()).toBe(eventsBefore + 300);
  });

  it('should page through the list with a cursor and filter by label, status and identifier', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/admin/devices?label=batch=b1&limit=60${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api.request('GET', q, { token: viewer });
      expect(res.status).toBe(200);
      for (const d of res.body.items) {
        expect(d.labels.batch).toBe('b1');
        seen.add(d.id);
      }
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen.size).toBe(200);
    expect(pages).toBe(4);

    const one = await api.request('GET', '/v1/admin/devices?identifier=bulk-42', { token: viewer });
    expect(one.body.items).toHaveLength(1);
    const disabled = await api.request('GET', '/v1/admin/devices?status=disabled&label=batch=b1', {
      token: viewer,
    });
    expect(disabled.body.items).toHaveLength(0);
  });

  it('should disable a device, refuse its token with 403, and audit who did it', async () => {
    const created = await api.request('POST', '/v1/admin/devices', { token: admin, body: {} });
    expect((await api.request('GET', '/v1/device', { token: created.body.token })).status).toBe(200);

    const res = await api.request('POST', `/v1/admin/devices/${created.body.id}/disable`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('disabled');
    const refused = await api.request('GET', '/v1/device', { token: created.body.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });

    const audit = await api.request('GET', `/v1/admin/audit?targetType=device&targetId=${created.body.id}`, {
      token: viewer,
    });
    expect(audit.body.map((e: { action: string }) => e.action)).toEqual(['device.disable', 'device.create']);
    expect(audit.body[0].actorType).toBe('operator');

    await api.request('POST', `/v1/admin/devices/${created.body.id}/enable`, { token: admin });
    expect((await api.request('GET', '/v1/device', { token: created.body.token })).status).toBe(200);
  });

  it('should rotate a token: the new one works, the old one is refused', async () => {
    const created = await api.request('POST', '/v1/admin/devices', { token: admin, body: {} });
    const rotated = await api.request('POST', `/v1/admin/devices/${created.body.id}/rotate-token`, {
      token: admin,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(created.body.token);
    expect((await api.request('GET', '/v1/device', { token: created.body.token })).status).toBe(401);
    const me = await api.request('GET', '/v1/device', { token: rotated.body.token });
    expect(me.status).toBe(200);
    expect(me.body.hostname).toBe(created.body.hostname);
  });

  it('should let a viewer read but not act', async () => {
    expect((await api.request('GET', '/v1/admin/devices', { token: viewer })).status).toBe(200);
    const before = await prisma.device.count();
    const res = await api.request('POST', '/v1/admin/devices', { token: viewer, body: {} });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('admin');
    expect(await prisma.device.count()).toBe(before);
  });

  it('should rotate and revoke operator keys', async () => {
    const created = await api.request('POST', '/v1/admin/api-keys', {
      token: admin,
      body: { name: 'second' },
    });
    expect(created.status).toBe(201);
    const second = created.body.key;
    expect((await api.request('GET', '/v1/admin/devices?limit=1', { token: second })).status).toBe(200);
    const revoked = await api.request('POST', `/v1/admin/api-keys/${created.body.id}/revoke`, {
      token: admin,
    });
    expect(revoked.status).toBe(204);
    expect((await api.request('GET', '/v1/admin/devices?limit=1', { token: second })).status).toBe(401);
  });

  describe('bad input', () => {
    const cases: Array<
      [
        string,
        string,
        string,
        { token?: 'admin' | 'none' | 'wrong' | 'device'; body?: unknown; raw?: string },
        number,
      ]
    > = [
      ['no token', 'GET', '/v1/admin/devices', { token: 'none' }, 401],
      ['a wrong operator key', 'GET', '/v1/admin/devices', { token: 'wrong' }, 401],
      ['a device token on the admin API', 'GET', '/v1/admin/devices', { token: 'device' }, 401],
      ['malformed JSON', 'POST', '/v1/admin/devices', { token: 'admin', raw: '{"labels": ' }, 400],
      [
        'a label that is not a DNS label',
        'POST',
        '/v1/admin/devices',
        { token: 'admin', body: { label: 'bad_label!' } },
        400,
      ],
      [
        'labels that are not a string map',
        'POST',
        '/v1/admin/devices',
        { token: 'admin', body: { labels: { a: 1 } } },
        400,
      ],
      ['an empty bulk', 'POST', '/v1/admin/devices/bulk', { token: 'admin', body: { devices: [] } }, 400],
      [
        'an unknown device id',
        'GET',
        '/v1/admin/devices/5b1f0c7e-4c1a-4c53-9a57-0b2b7c9d8e11',
        { token: 'admin' },
        404,
      ],
      ['a device id that is not a UUID', 'GET', '/v1/admin/devices/nope', { token: 'admin' }, 400],
      ['a bad cursor', 'GET', '/v1/admin/devices?cursor=abc', { token: 'admin' }, 400],
      ['a limit out of range', 'GET', '/v1/admin/devices?limit=100000', { token: 'admin' }, 400],
      [
        'disabling an unknown device',
        'POST',
        '/v1/admin/devices/5b1f0c7e-4c1a-4c53-9a57-0b2b7c9d8e11/disable',
        { token: 'admin' },
        404,
      ],
    ];

    it.each(cases)(
      'should answer %s with the documented error shape and change nothing',
      async (_, method, path, opts, status) => {
        const device = await api.request('POST', '/v1/admin/devices', { token: admin, body: {} });
        const token = {
          admin,
          none: undefined,
          wrong: `fco_aaaaaaaaaaaa_${'A'.repeat(43)}`,
          device: device.body.token,
        }[opts.token ?? 'none'];
        const [devices, events] = [await prisma.device.count(), await prisma.auditEvent.count()];
        const res = await api.request(method, path, { token, body: opts.body, raw: opts.raw });
        expect(res.status).toBe(status);
        expect(res.body).toEqual(
          expect.objectContaining({
            statusCode: status,
            error: expect.any(String),
            message: expect.any(String),
            requestId: expect.any(String),
          }),
        );
        expect(await prisma.device.count()).toBe(devices);
        expect(await prisma.auditEvent.count()).toBe(events);
      },
    );

    it('should strip unknown fields instead of storing them', async () => {
      const res = await api.request('POST', '/v1/admin/devices', {
        token: admin,
        body: { identifier: 'strip-1', isAdmin: true },
      });
      expect(res.status).toBe(201);
      expect(res.body).not.toHaveProperty('isAdmin');
    });

    it('should answer an oversized body with 413', async () => {
      const res = await api.request('POST', '/v1/admin/devices', {
        token: admin,
        raw: JSON.stringify({ labels: { big: 'x'.repeat(api.config.http.bodyLimit) } }),
      });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });
  });
});
