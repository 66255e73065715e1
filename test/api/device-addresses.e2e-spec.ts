import { PRISMA, PrismaClient } from '@fleetcert/db';
import { startTestApi, TestApi } from '../support/api';
import { Bind9Handle, startBind9 } from '../support/bind9';
import { testConfig } from '../support/config';

const ZONE = 'addr.fleet.test';

describe('PUT /v1/device/addresses against BIND9', () => {
  let bind: Bind9Handle;
  let api: TestApi;
  let prisma: PrismaClient;
  let admin: string;

  beforeAll(async () => {
    bind = await startBind9({ zone: ZONE });
    api = await startTestApi(
      testConfig({
        FLEETCERT_FLEET_NAME: 'addresses',
        FLEETCERT_FLEET_ZONE: ZONE,
        FLEETCERT_DNS_SERVER: `${bind.host}:${bind.port}`,
        FLEETCERT_DNS_TSIG_KEY_NAME: bind.tsig.name,
        FLEETCERT_DNS_TSIG_ALGORITHM: bind.tsig.algorithm,
        FLEETCERT_DNS_TSIG_SECRET: bind.tsig.secret,
        FLEETCERT_DNS_TIMEOUT_MS: '1000',
      }),
    );
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey();
  });
  afterAll(async () => {
    await api?.close();
    await bind?.stop();
  });

  async function newDevice(): Promise<{ id: string; hostname: string; token: string }> {
    const res = await api.request('POST', '/v1/admin/devices', { token: admin, body: {} });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('should publish A and AAAA records and show them on the device', async () => {
    const device = await newDevice();
    const res = await api.request('PUT', '/v1/device/addresses', {
      token: device.token,
      body: { ipv4: '192.168.1.20', ipv6: '2001:DB8:0:0::20' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ipv4: '192.168.1.20', ipv6: '2001:db8::20', changed: true });
    expect(await bind.query(device.hostname, 'A')).toEqual(['192.168.1.20']);
    expect(await bind.query(device.hostname, 'AAAA')).toEqual(['2001:db8::20']);
    const me = await api.request('GET', '/v1/device', { token: device.token });
    expect(me.body.addresses).toEqual({ ipv4: '192.168.1.20', ipv6: '2001:db8::20' });
  });

  it('should change one family, leave the other, and clear with null', async () => {
    const device = await newDevice();
    await api.request('PUT', '/v1/device/addresses', {
      token: device.token,
      body: { ipv4: '10.0.0.1', ipv6: '2001:db8::1' },
    });
    const changed = await api.request('PUT', '/v1/device/addresses', {
      token: device.token,
      body: { ipv4: '10.0.0.2' },
    });
    expect(changed.body).toEqual({ ipv4: '10.0.0.2', ipv6: '2001:db8::1', changed: true });
    expect(await bind.query(device.hostname, 'A')).toEqual(['10.0.0.2']);
    expect(await bind.query(device.hostname, 'AAAA')).toEqual(['2001:db8::1']);

    const cleared = await api.request('PUT', '/v1/device/addresses', {
      token: device.token,
      body: { ipv6: null },
    });
    expect(cleared.body).toEqual({ ipv4: '10.0.0.2', ipv6: null, changed: true });
    expect(await bind.query(device.hostname, 'AAAA')).toEqual([]);
    expect(await bind.query(device.hostname, 'A')).toEqual(['10.0.0.2']);
  });

  it('should send no update when the addresses are unchanged', async () => {
    const device = await newDevice();
    await api.request('PUT', '/v1/device/addresses', { token: device.token, body: { ipv4: '10.1.1.1' } });
    const serial = await bind.query(ZONE, 'SOA');
    const same = await api.request('PUT', '/v1/device/addresses', {
      token: device.token,
      body: { ipv4: '10.1.1.1' },
    });
    expect(same.status).toBe(200);
    expect(same.body.changed).toBe(false);
    // Every accepted UPDATE bumps the zone's SOA serial: an unchanged serial proves nothing was sent.
    expect(await bind.query(ZONE, 'SOA')).toEqual(serial);
  });

  it.each([
    ['not an address', { ipv4: 'banana' }],
    ['an IPv6 address as ipv4', { ipv4: '2001:db8::1' }],
    ['an IPv4 address as ipv6', { ipv6: '10.0.0.1' }],
    ['a multicast address', { ipv4: '224.0.0.1' }],
    ['the unspecified address', { ipv6: '::' }],
    ['a number', { ipv4: 167772161 }],
  ])('should refuse %s with 400 and change nothing', async (_, body) => {
    const device = await newDevice();
    await api.request('PUT', '/v1/device/addresses', { token: device.token, body: { ipv4: '10.9.9.9' } });
    const res = await api.request('PUT', '/v1/device/addresses', { token: device.token, body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(await bind.query(device.hostname, 'A')).toEqual(['10.9.9.9']);
    const row = await prisma.device.findUniqueOrThrow({ where: { id: device.id } });
    expect([row.ipv4, row.ipv6]).toEqual(['10.9.9.9', null]);
  });

  it('should refuse a missing or wrong device token with 401', async () => {
    expect((await api.request('PUT', '/v1/device/addresses', { body: { ipv4: '10.0.0.1' } })).status).toBe(
      401,
    );
    const wrong = await api.request('PUT', '/v1/device/addresses', {
      token: `fcd_aaaaaaaaaaaa_${'B'.repeat(43)}`,
      body: { ipv4: '10.0.0.1' },
    });
    expect(wrong.status).toBe(401);
  });

  it('should answer 503 and write nothing when the DNS server is unreachable', async () => {
    const offline = await startTestApi(
      testConfig({
        FLEETCERT_FLEET_NAME: 'addresses',
        FLEETCERT_FLEET_ZONE: ZONE,
        FLEETCERT_DNS_SERVER: '127.0.0.1:9', // discard port: nothing answers DNS there
        FLEETCERT_DNS_TSIG_KEY_NAME: bind.tsig.name,
        FLEETCERT_DNS_TSIG_SECRET: bind.tsig.secret,
        FLEETCERT_DNS_TIMEOUT_MS: '300',
      }),
    );
    try {
      const device = await newDevice();
      const res = await offline.request('PUT', '/v1/device/addresses', {
        token: device.token,
        body: { ipv4: '10.2.2.2' },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      const row = await prisma.device.findUniqueOrThrow({ where: { id: device.id } });
      expect(row.ipv4).toBeNull();
      expect(row.addressesUpdatedAt).toBeNull();
      expect(await bind.query(device.hostname, 'A')).toEqual([]);
    } finally {
      await offline.close();
    }
  });
});
