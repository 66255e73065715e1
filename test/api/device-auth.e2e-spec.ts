import { randomBytes } from 'node:crypto';
import { DeviceRepository, OperatorRepository, PRISMA, PrismaClient } from '@fleetcert/db';
import { DeviceTokenUses } from '../../apps/api/src/auth/token-use-recorder';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { waitFor } from '../support/wait-for';

/** Device tokens and operator keys, each checked by one prepared statement per request. */
describe('Credential checks (device tokens, operator keys)', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  let admin: string;

  beforeAll(async () => {
    api = await startTestApi(
      testConfig({ FLEETCERT_FLEET_NAME: 'device-auth', FLEETCERT_FLEET_ZONE: 'auth.fleet.test' }),
    );
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey('admin');
  });
  afterAll(() => api.close());

  async function newDevice(): Promise<{ id: string; hostname: string; token: string }> {
    const res = await api.request('POST', '/v1/admin/devices', {
      token: admin,
      body: { labels: { k: 'v' } },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** `<kind>_<prefix>_<secret>` with another secret of the same form. */
  function withOtherSecret(token: string): string {
    const [kind, prefix] = token.split('_');
    return `${kind}_${prefix}_${randomBytes(32).toString('base64url')}`;
  }

  describe('device tokens', () => {
    it('should accept a valid token and hand the route the device with its fleet', async () => {
      const device = await newDevice();
      const me = await api.request('GET', '/v1/device', { token: device.token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ hostname: device.hostname, certificates: [] });
    });

    it('should read exactly what the Prisma query with its includes read', async () => {
      const device = await newDevice();
      const prefix = device.token.split('_')[1];
      await prisma.device.update({
        where: { id: device.id },
        data: { ipv4: '192.0.2.7', addressesUpdatedAt: new Date('2026-03-04T05:06:07.089Z') },
      });

      const read = await api.app.get(DeviceRepository).getTokenByPrefix(prefix);
      const expected = await prisma.deviceToken.findUnique({
        where: { prefix },
        include: { device: { include: { fleet: true } } },
      });

      expect(read).not.toBeNull();
      const { hash, ...rest } = read!;
      const { hash: expectedHash, ...expectedRest } = expected!;
      expect(rest).toEqual(expectedRest);
      expect(Buffer.from(hash).equals(Buffer.from(expectedHash))).toBe(true);
      expect(read!.device.addressesUpdatedAt).toEqual(new Date('2026-03-04T05:06:07.089Z'));
      expect(await api.app.get(DeviceRepository).getTokenByPrefix('aaaaaaaaaaaa')).toBeNull();
    });

    it('should look up the tokens asked for in one turn with one statement, each answered with its own', async () => {
      const devices = await Promise.all(Array.from({ length: 6 }, () => newDevice()));
      const prefixes = devices.map((d) => d.token.split('_')[1]);
      const repository = api.app.get(DeviceRepository);
      const pool = (repository as unknown as { pool: { query: (...a: unknown[]) => unknown } }).pool;
      const sent = jest.spyOn(pool, 'query');
      try {
        const read = await Promise.all(
          [...prefixes, 'aaaaaaaaaaaa', prefixes[0]].map((p) => repository.getTokenByPrefix(p)),
        );
        expect(read.map((r) => r?.device.id ?? null)).toEqual([
          ...devices.map((d) => d.id),
          null,
          devices[0].id,
        ]);
        expect(read.map((r) => r?.prefix ?? null)).toEqual([...prefixes, null, prefixes[0]]);
        const lookups = sent.mock.calls.filter(
          ([config]) => (config as { name?: string }).name === 'devices.tokensByPrefix',
        );
        expect(lookups).toHaveLength(1);
      } finally {
        sent.mockRestore();
      }
    });

    it("should store the exact instants it is given as the tokens' last uses, never an earlier one", async () => {
      const tokens = [];
      for (let i = 0; i < 2; i++) {
        const device = await newDevice();
        tokens.push(await prisma.deviceToken.findFirstOrThrow({ where: { deviceId: device.id } }));
      }
      const [a, b] = tokens.map((t) => t.id);
      const at = new Date('2026-05-06T07:08:09.123Z');
      const later = new Date('2026-05-06T07:08:10.456Z');
      const repository = api.app.get(DeviceRepository);
      const stored = async (id: string) =>
        (await prisma.deviceToken.findUniqueOrThrow({ where: { id } })).lastUsedAt;

      // One statement for both; an id that is no token (deleted meanwhile) is skipped.
      const stamped = await repository.stampTokenUses(
        new Map([
          [a, at],
          [b, later],
          ['00000000-0000-4000-8000-000000000000', at],
        ]),
      );
      expect(stamped).toBe(2);
      expect([await stored(a), await stored(b)]).toEqual([at, later]);

      // A late batch (another API process, a retry) carrying an earlier use moves nothing back.
      expect(await repository.stampTokenUses(new Map([[b, at]]))).toBe(0);
      expect(await stored(b)).toEqual(later);
      expect(await repository.stampTokenUses(new Map([[a, later]]))).toBe(1);
      expect(await stored(a)).toEqual(later);
    });

    it('should refuse a revoked token with 401', async () => {
      const device = await newDevice();
      await prisma.deviceToken.updateMany({
        where: { deviceId: device.id },
        data: { revokedAt: new Date() },
      });
      const res = await api.request('GET', '/v1/device', { token: device.token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });

    it('should refuse a wrong secret behind a known prefix with 401', async () => {
      const device = await newDevice();
      const res = await api.request('GET', '/v1/device', { token: withOtherSecret(device.token) });
      expect(res.status).toBe(401);
    });

    it('should refuse a valid token sent as ?access_token= or in the body with 400, saying where it goes', async () => {
      const device = await newDevice();

      const inUrl = await api.request('GET', `/v1/device?access_token=${encodeURIComponent(device.token)}`);
      const inBody = await api.request('PUT', '/v1/device/addresses', {
        body: { access_token: device.token, ipv4: '203.0.113.7' },
      });

      for (const res of [inUrl, inBody]) {
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          statusCode: 400,
          message: expect.stringContaining('Authorization header'),
        });
      }
      // The header still works, and the refused body changed nothing.
      const me = await api.request('GET', '/v1/device', { token: device.token });
      expect(me.status).toBe(200);
      expect(me.body.ipv4 ?? null).toBeNull();
    });

    it('should refuse an unknown prefix and a malformed token with 401', async () => {
      const unknown = `fcd_${'a'.repeat(12)}_${randomBytes(32).toString('base64url')}`;
      expect((await api.request('GET', '/v1/device', { token: unknown })).status).toBe(401);
      expect((await api.request('GET', '/v1/device', { token: 'fcd_nonsense' })).status).toBe(401);
      expect((await api.request('GET', '/v1/device')).status).toBe(401);
    });

    it("should refuse a disabled device's valid token with 403, and a wrong secret still with 401", async () => {
      const device = await newDevice();
      await prisma.device.update({ where: { id: device.id }, data: { status: 'disabled' } });
      const res = await api.request('GET', '/v1/device', { token: device.token });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, message: 'This device is disabled' });
      expect((await api.request('GET', '/v1/device', { token: withOtherSecret(device.token) })).status).toBe(
        401,
      );
    });

    it('should stamp when the token was used, within moments and without a request of its own', async () => {
      const device = await newDevice();
      const before = Date.now();
      expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(200);
      const stamped = await waitFor(
        () => prisma.deviceToken.findFirstOrThrow({ where: { deviceId: device.id } }),
        (t) => t.lastUsedAt !== null,
        { what: 'lastUsedAt' },
      );
      const after = Date.now();
      expect(stamped.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(stamped.lastUsedAt!.getTime()).toBeLessThanOrEqual(after + 1000);
    });
    it('should stamp only a token that authenticates, and at most once in five minutes', async () => {
      const device = await newDevice();
      const lastUsedAt = async () =>
        (await prisma.deviceToken.findFirstOrThrow({ where: { deviceId: device.id } })).lastUsedAt;
      // Uses are written behind; flushing writes every use recorded so far, now.
      const uses = api.app.get(DeviceTokenUses);

      // A wrong secret behind the prefix, a disabled device, a revoked token: no stamp.
      expect((await api.request('GET', '/v1/device', { token: withOtherSecret(device.token) })).status).toBe(
        401,
      );
      await prisma.device.update({ where: { id: device.id }, data: { status: 'disabled' } });
      expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(403);
      await prisma.device.update({ where: { id: device.id }, data: { status: 'active' } });
      await prisma.deviceToken.updateMany({
        where: { deviceId: device.id },
        data: { revokedAt: new Date() },
      });
      expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(401);
      expect(await uses.flush()).toBe(true);
      expect(await lastUsedAt()).toBeNull();

      // Within the interval the stored stamp stays. (Each change below sets "revokedAt" too:
      // a change of "lastUsedAt" alone is not announced, and the cached token would stay.)
      const recent = new Date(Date.now() - 60_000);
      await prisma.deviceToken.updateMany({
        where: { deviceId: device.id },
        data: { revokedAt: null, lastUsedAt: recent },
      });
      expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(200);
      expect(await uses.flush()).toBe(true);
      expect(await lastUsedAt()).toEqual(recent);

      // Once older, the next request moves it; the requests after it do not, for five minutes.
      const old = new Date(Date.now() - 6 * 60_000);
      await prisma.deviceToken.updateMany({
        where: { deviceId: device.id },
        data: { revokedAt: null, lastUsedAt: old },
      });
      const before = Date.now();
      expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(200);
      expect(await uses.flush()).toBe(true);
      const stamped = await lastUsedAt();
      expect(stamped!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      for (let i = 0; i < 3; i++) {
        expect((await api.request('GET', '/v1/device', { token: device.token })).status).toBe(200);
      }
      expect(await uses.flush()).toBe(true);
      expect(await lastUsedAt()).toEqual(stamped);
    });
  });

  describe('operator keys', () => {
    it('should read exactly what the Prisma query with its include read', async () => {
      const key = await api.operatorKey('viewer');
      const prefix = key.split('_')[1];
      const read = await api.app.get(OperatorRepository).getKeyByPrefix(prefix);
      const expected = await prisma.apiKey.findUnique({ where: { prefix }, include: { operator: true } });
      const { hash, ...rest } = read!;
      const { hash: expectedHash, ...expectedRest } = expected!;
      expect(rest).toEqual(expectedRest);
      expect(Buffer.from(hash).equals(Buffer.from(expectedHash))).toBe(true);
      expect(await api.app.get(OperatorRepository).getKeyByPrefix('aaaaaaaaaaaa')).toBeNull();
    });

    it("should store the exact instant it is given as the key's last use", async () => {
      const prefix = (await api.operatorKey('viewer')).split('_')[1];
      const key = await prisma.apiKey.findUniqueOrThrow({ where: { prefix } });
      const at = new Date('2026-05-06T07:08:09.123Z');
      await api.app.get(OperatorRepository).touchKey(key.id, at);
      expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).toEqual(at);
    });

    it('should accept a valid key, and refuse a revoked one, a wrong secret and an unknown prefix with 401', async () => {
      const key = await api.operatorKey('viewer');
      expect((await api.request('GET', '/v1/admin/devices', { token: key })).status).toBe(200);
      expect((await api.request('GET', '/v1/admin/devices', { token: withOtherSecret(key) })).status).toBe(
        401,
      );
      const unknown = `fco_${'a'.repeat(12)}_${randomBytes(32).toString('base64url')}`;
      expect((await api.request('GET', '/v1/admin/devices', { token: unknown })).status).toBe(401);

      await prisma.apiKey.update({ where: { prefix: key.split('_')[1] }, data: { revokedAt: new Date() } });
      expect((await api.request('GET', '/v1/admin/devices', { token: key })).status).toBe(401);
    });

    it('should stamp when the key was used', async () => {
      const key = await api.operatorKey('viewer');
      const before = Date.now();
      expect((await api.request('GET', '/v1/admin/devices', { token: key })).status).toBe(200);
      const stamped = await waitFor(
        () => prisma.apiKey.findUniqueOrThrow({ where: { prefix: key.split('_')[1] } }),
        (k) => k.lastUsedAt !== null,
        { what: 'lastUsedAt' },
      );
      const after = Date.now();
      expect(stamped.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(stamped.lastUsedAt!.getTime()).toBeLessThanOrEqual(after + 1000);
    });
  });
});
