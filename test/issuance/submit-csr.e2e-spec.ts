import { Queue } from 'bullmq';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { generateKeys, makeCsr } from '../../libs/pki/src/testing/pki-fixtures';
import { IssuanceQueue } from '../../apps/api/src/queue/issuance-queue';
import { CsrSignatureChecks } from '../../apps/api/src/certificates/csr-signature-checks';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { metricValue } from '../support/prometheus';

const ZONE = 'submit.fleet.test';

/** What the API does with a CSR before any worker runs: checks, storage, queueing. */
describe('POST /v1/certificates (API side, no worker)', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  let queue: Queue;
  let admin: string;
  // A database of its own: "nothing stored" is checked by counting whole tables, which
  // the test file running beside this one (Jest runs two) would change meanwhile.
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;

  beforeAll(async () => {
    database = await isolatedDatabase('submit');
    api = await startTestApi(
      testConfig({
        DATABASE_URL: database.url,
        FLEETCERT_FLEET_NAME: 'submit',
        FLEETCERT_FLEET_ZONE: ZONE,
        FLEETCERT_MAX_IDENTIFIERS: '3',
      }),
    );
    prisma = api.app.get(PRISMA);
    queue = api.app.get(IssuanceQueue).queue;
    admin = await api.operatorKey();
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  async function newDevice(): Promise<{ id: string; hostname: string; token: string }> {
    return (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
  }

  async function counts() {
    return {
      requests: await prisma.certificateRequest.count(),
      jobs: await queue.count(),
    };
  }

  it('should store the request, enqueue a job with the request id, and answer 202 pending', async () => {
    const device = await newDevice();
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
    const res = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'pending',
      identifiers: [{ type: 'dns', value: device.hostname }],
      challenge: 'dns-01',
    });
    const job = await queue.getJob(res.body.id);
    expect(job?.data).toEqual({ requestId: res.body.id });
    const stored = await prisma.certificateRequest.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored.deviceId).toBe(device.id);

    const fetched = await api.request('GET', `/v1/certificates/${res.body.id}`, { token: device.token });
    expect(fetched.status).toBe(200);
    expect(fetched.body.id).toBe(res.body.id);
    const me = await api.request('GET', '/v1/device', { token: device.token });
    expect(me.body.certificates.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
  });

  it('should return the open request for the same CSR instead of making a second one', async () => {
    const device = await newDevice();
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [device.hostname] });
    const [a, b] = await Promise.all([
      api.request('POST', '/v1/certificates', { token: device.token, body: { csr } }),
      api.request('POST', '/v1/certificates', { token: device.token, body: { csr } }),
    ]);
    expect(a.body.id).toBe(b.body.id);
    expect(await prisma.certificateRequest.count({ where: { deviceId: device.id } })).toBe(1);
  });

  it('should honour Idempotency-Key, and refuse the same key with a different CSR', async () => {
    const device = await newDevice();
    const keys = await generateKeys({ ec: 'P-256' });
    const csr = await makeCsr({ keys, dns: [device.hostname] });
    const headers = { 'idempotency-key': 'boot-42' };
    const first = await api.request('POST', '/v1/certificates', {
      token: device.token,
      body: { csr },
      headers,
    });
    const again = await api.request('POST', '/v1/certificates', {
      token: device.token,
      body: { csr },
      headers,
    });
    expect(again.body.id).toBe(first.body.id);
    const other = await makeCsr({ keys: await generateKeys({ ec: 'P-384' }), dns: [device.hostname] });
    const clash = await api.request('POST', '/v1/certificates', {
      token: device.token,
      body: { csr: other },
      headers,
    });
    expect(clash.status).toBe(422);
    expect(await prisma.certificateRequest.count({ where: { deviceId: device.id } })).toBe(1);
  });

  it("should answer 404 for another device's request", async () => {
    const owner = await newDevice();
    const stranger = await newDevice();
    const csr = await makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [owner.hostname] });
    const res = await api.request('POST', '/v1/certificates', { token: owner.token, body: { csr } });
    const peek = await api.request('GET', `/v1/certificates/${res.body.id}`, { token: stranger.token });
    expect(peek.status).toBe(404);
    expect((await api.request('GET', '/v1/device', { token: stranger.token })).body.certificates).toEqual([]);
  });

  it('should store and enqueue each of many submissions arriving together', async () => {
    const devices = await Promise.all(Array.from({ length: 12 }, () => newDevice()));
    const csrs = await Promise.all(
      devices.map(async (d) => makeCsr({ keys: await generateKeys({ ec: 'P-256' }), dns: [d.hostname] })),
    );
    const batched = async () => {
      const text = (await api.request('GET', '/metrics')).body as string;
      const sum = (kind: string) => metricValue(text, 'fleetcert_batch_size_sum', { kind }) ?? 0;
      return {
        submissions: sum('submissions'),
        tokenLookups: sum('token_lookups'),
        jobAdds: sum('job_adds'),
      };
    };
    const before = await batched();
    const answers = await Promise.all(
      devices.map((d, i) =>
        api.request('POST', '/v1/certificates', { token: d.token, body: { csr: csrs[i] } }),
      ),
    );
    // Every call is counted once in the batch sizes operators see, however the calls were grouped.
    const after = await batched();
    expect({
      submissions: after.submissions - before.submissions,
      tokenLookups: after.tokenLookups - before.tokenLookups,
      jobAdds: after.jobAdds - before.jobAdds,
    }).toEqual({ submissions: 12, tokenLookups: 12, jobAdds: 12 });
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(202);
      expect(res.body.identifiers).toEqual([{ type: 'dns', value: devices[i].hostname }]);
      const stored = await prisma.certificateRequest.findUniqueOrThrow({ where: { id: res.body.id } });
      expect(stored.deviceId).toBe(devices[i].id);
      expect((await queue.getJob(res.body.id))?.data).toEqual({ requestId: res.body.id });
    }
  });

  it('should add the jobs enqueued in one turn of the event loop to Redis in one call, delays kept', async () => {
    const issuance = api.app.get(IssuanceQueue);
    const addBulk = jest.spyOn(issuance.queue, 'addBulk');
    try {
      const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
      const later = new Date(Date.now() + 3_600_000);
      const added = await Promise.all(ids.map((id, i) => issuance.enqueue(id, i === 0 ? later : undefined)));
      expect(added).toEqual([true, true, true, true, true]);
      expect(addBulk).toHaveBeenCalledTimes(1);
      expect(addBulk.mock.calls[0][0].map((j) => j.data.requestId)).toEqual(ids);
      expect(await (await queue.getJob(ids[0]))?.isDelayed()).toBe(true);
      expect(await (await queue.getJob(ids[1]))?.isWaiting()).toBe(true);
      await Promise.all(ids.map((id) => queue.remove(id)));
    } finally {
      addBulk.mockRestore();
    }
  });

  it("should check each CSR's signature off the event loop, and refuse one that does not verify", async () => {
    const checks = api.app.get(CsrSignatureChecks);
    const check = jest.spyOn(checks, 'check');
    try {
      const device = await newDevice();
      const keys = await generateKeys({ ec: 'P-256' });
      const forged = await tamper(await makeCsr({ keys, dns: [device.hostname] }));
      const refused = await api.request('POST', '/v1/certificates', {
        token: device.token,
        body: { csr: forged },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/signature/i);
      const csr = await makeCsr({ keys, dns: [device.hostname] });
      const accepted = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
      expect(accepted.status).toBe(202);
      expect(check).toHaveBeenCalledTimes(2);
      expect(await Promise.all(check.mock.results.map((r) => r.value))).toEqual([false, true]);
    } finally {
      check.mockRestore();
    }
  });

  describe('bad input: a clear 4xx, nothing stored, nothing enqueued', () => {
    type Case = [string, (hostname: string, other: string) => Promise<unknown>, number, RegExp];
    const ec = () => generateKeys({ ec: 'P-256' });
    const cases: Case[] = [
      ['garbage instead of a CSR', async () => ({ csr: 'hello' }), 400, /CSR|PEM/i],
      ['no csr field', async () => ({}), 400, /csr/],
      [
        'a CSR whose signature does not match its key',
        async (h) => ({ csr: await tamper(await makeCsr({ keys: await ec(), dns: [h] })) }),
        400,
        /signature/i,
      ],
      [
        'an RSA-1024 key',
        async (h) => ({ csr: await makeCsr({ keys: await generateKeys({ rsa: 1024 }), dns: [h] }) }),
        422,
        /1024/,
      ],
      [
        'a foreign name',
        async () => ({ csr: await makeCsr({ keys: await ec(), dns: ['www.example.com'] }) }),
        403,
        /www\.example\.com/,
      ],
      [
        'a wildcard',
        async () => ({ csr: await makeCsr({ keys: await ec(), dns: [`*.${ZONE}`] }) }),
        403,
        /\*/,
      ],
      [
        'too many names',
        async (h) => ({ csr: await makeCsr({ keys: await ec(), dns: [h, `a.${h}`, `b.${h}`, `c.${h}`] }) }),
        422,
        /at most 3|too many/i,
      ],
      [
        "another device's hostname",
        async (_, other) => ({ csr: await makeCsr({ keys: await ec(), dns: [other] }) }),
        403,
        new RegExp(`${ZONE.split('.')[0]}`),
      ],
      [
        'an IP address the device does not have',
        async (h) => ({ csr: await makeCsr({ keys: await ec(), dns: [h], ips: ['203.0.113.9'] }) }),
        403,
        /203\.0\.113\.9/,
      ],
      [
        'an e-mail SAN',
        async (h) => ({ csr: await makeCsr({ keys: await ec(), dns: [h], emails: ['a@b.example'] }) }),
        422,
        /mail/i,
      ],
      [
        'a malformed profile name',
        async (h) => ({ csr: await makeCsr({ keys: await ec(), dns: [h] }), profile: 'Bad Profile!' }),
        400,
        /profile/,
      ],
    ];

    it.each(cases)('should refuse %s', async (_, body, status, message) => {
      const device = await newDevice();
      const other = await newDevice();
      const before = await counts();
      const res = await api.request('POST', '/v1/certificates', {
        token: device.token,
        body: await body(device.hostname, other.hostname),
      });
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String) });
      expect(res.body.message).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    it('should refuse a CSR from a disabled device with 403', async () => {
      const device = await newDevice();
      const csr = await makeCsr({ keys: await ec(), dns: [device.hostname] });
      await api.request('POST', `/v1/admin/devices/${device.id}/disable`, { token: admin });
      const before = await counts();
      const res = await api.request('POST', '/v1/certificates', { token: device.token, body: { csr } });
      expect(res.status).toBe(403);
      expect(await counts()).toEqual(before);
    });
  });
});

/** Flips one bit inside the signature: the CSR still parses, but no longer verifies. */
async function tamper(pem: string): Promise<string> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(b64, 'base64');
  der[der.length - 5] ^= 0x01;
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}
