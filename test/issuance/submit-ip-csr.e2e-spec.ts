import { Queue } from 'bullmq';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { IssuanceQueue } from '../../apps/api/src/queue/issuance-queue';
import { FixtureCa } from '../acme/support/fixture-ca';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';

const ZONE = 'submit-ip.fleet.test';
// A public address the device reports; no traffic is ever sent to it in these tests.
const PUBLIC_V4 = '8.8.8.8';

/**
 * The API's rules for IP-address certificates: which addresses, which challenge, which
 * ACME profile, and the home-privacy guard. The CA is a scripted fixture whose directory
 * advertises profiles (Pebble 2.4 advertises none); no worker runs.
 */
describe('POST /v1/certificates with IP addresses (API side)', () => {
  let ca: FixtureCa;
  let api: TestApi;
  let prisma: PrismaClient;
  let queue: Queue;
  let admin: string;
  // A database of its own: "nothing stored" is checked by counting whole tables, which
  // the test file running beside this one (Jest runs two) would change meanwhile.
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    ca = new FixtureCa();
    await ca.start();
    database = await isolatedDatabase('submitip');
    api = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'submit-ip',
        FLEETCERT_FLEET_ZONE: ZONE,
        FLEETCERT_ACME_DIRECTORY_URL: ca.directoryUrl,
      }),
    );
    prisma = api.app.get(PRISMA);
    queue = api.app.get(IssuanceQueue).queue;
    admin = await api.operatorKey();
  });
  afterAll(async () => {
    await api?.close();
    await ca?.stop();
    await database?.drop();
  });

  async function device(addresses: { ipv4?: string | null; ipv6?: string | null } = { ipv4: PUBLIC_V4 }) {
    const created = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    // Addresses are set directly: this suite has no DNS server, and the API trusts its record.
    await prisma.device.update({ where: { id: created.id }, data: addresses });
    return created as { id: string; token: string; hostname: string };
  }

  const ec = () => generateKeys({ ec: 'P-256' });
  const counts = async () => ({
    requests: await prisma.certificateRequest.count(),
    jobs: await queue.count(),
  });

  it('should order IP certificates under the shortlived profile and by http-01', async () => {
    const d = await device();
    const res = await api.request('POST', '/v1/certificates', {
      token: d.token,
      body: { csr: await makeCsr({ keys: await ec(), ips: [PUBLIC_V4] }) },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ profile: 'shortlived', challenge: 'http-01', http01Mode: 'proxy' });
  });

  it("should take a device's profile for its name when the CA advertises it, and the fleet default otherwise", async () => {
    const d = await device();
    const asked = await api.request('POST', '/v1/certificates', {
      token: d.token,
      body: { csr: await makeCsr({ keys: await ec(), dns: [d.hostname] }), profile: 'tlsserver' },
    });
    expect(asked.body.profile).toBe('tlsserver');

    const patched = await api.request('PATCH', '/v1/admin/fleet', {
      token: admin,
      body: { defaultProfile: 'classic' },
    });
    expect(patched.status).toBe(200);
    const d2 = await device();
    const byDefault = await api.request('POST', '/v1/certificates', {
      token: d2.token,
      body: { csr: await makeCsr({ keys: await ec(), dns: [d2.hostname] }) },
    });
    expect(byDefault.body.profile).toBe('classic');
    await api.request('PATCH', '/v1/admin/fleet', { token: admin, body: { defaultProfile: null } });
  });

  describe('bad input: a clear 4xx, nothing stored, nothing enqueued', () => {
    type Setup = {
      addresses?: { ipv4?: string | null; ipv6?: string | null };
      body: (hostname: string) => Promise<object>;
    };
    const cases: Array<[string, Setup, number, RegExp]> = [
      [
        'an IP the device has not reported',
        { body: async () => ({ csr: await makeCsr({ keys: await ec(), ips: ['8.8.4.4'] }) }) },
        403,
        /8\.8\.4\.4/,
      ],
      [
        'a private IP without the development setting',
        {
          addresses: { ipv4: '192.168.1.5' },
          body: async () => ({ csr: await makeCsr({ keys: await ec(), ips: ['192.168.1.5'] }) }),
        },
        422,
        /not a public address \(private\)/,
      ],
      [
        'a loopback IPv6 address',
        {
          addresses: { ipv6: '::1' },
          body: async () => ({ csr: await makeCsr({ keys: await ec(), ips: ['::1'] }) }),
        },
        422,
        /loopback/,
      ],
      [
        'dns-01 for an IP',
        {
          body: async () => ({
            csr: await makeCsr({ keys: await ec(), ips: [PUBLIC_V4] }),
            challenge: 'dns-01',
          }),
        },
        422,
        /http-01/,
      ],
      [
        'an unknown profile',
        {
          body: async (h) => ({
            csr: await makeCsr({ keys: await ec(), dns: [h] }),
            profile: 'nosuchprofile',
          }),
        },
        422,
        /nosuchprofile/,
      ],
      [
        'a non-shortlived profile for an IP',
        {
          body: async () => ({
            csr: await makeCsr({ keys: await ec(), ips: [PUBLIC_V4] }),
            profile: 'tlsserver',
          }),
        },
        422,
        /shortlived/,
      ],
      [
        'mixed identifiers in a home fleet',
        { body: async (h) => ({ csr: await makeCsr({ keys: await ec(), dns: [h], ips: [PUBLIC_V4] }) }) },
        422,
        /Certificate Transparency/,
      ],
    ];

    it.each(cases)('should refuse %s', async (_, setup, status, message) => {
      const d = await device(setup.addresses);
      const before = await counts();
      const res = await api.request('POST', '/v1/certificates', {
        token: d.token,
        body: await setup.body(d.hostname),
      });
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status });
      expect(res.body.message).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    it('should refuse the same key for the DNS and the IP certificate', async () => {
      const d = await device();
      const keys = await ec();
      const dns = await api.request('POST', '/v1/certificates', {
        token: d.token,
        body: { csr: await makeCsr({ keys, dns: [d.hostname] }) },
      });
      expect(dns.status).toBe(202);
      const before = await counts();
      const ip = await api.request('POST', '/v1/certificates', {
        token: d.token,
        body: { csr: await makeCsr({ keys, ips: [PUBLIC_V4] }) },
      });
      expect(ip.status).toBe(422);
      expect(ip.body.message).toMatch(/separate key/);
      expect(await counts()).toEqual(before);
    });
  });

  it('should allow mixed identifiers once an operator allows them for the fleet', async () => {
    await api.request('PATCH', '/v1/admin/fleet', { token: admin, body: { allowMixedIdentifiers: true } });
    try {
      const d = await device();
      const res = await api.request('POST', '/v1/certificates', {
        token: d.token,
        body: { csr: await makeCsr({ keys: await ec(), dns: [d.hostname], ips: [PUBLIC_V4] }) },
      });
      expect(res.status).toBe(202);
      expect(res.body.identifiers).toEqual([
        { type: 'dns', value: d.hostname },
        { type: 'ip', value: PUBLIC_V4 },
      ]);
    } finally {
      await api.request('PATCH', '/v1/admin/fleet', { token: admin, body: { allowMixedIdentifiers: false } });
    }
  });
});
