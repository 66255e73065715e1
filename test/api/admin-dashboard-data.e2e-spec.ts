import { randomBytes, randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { PRISMA, PrismaClient } from '@fleetcert/db';
import { ISSUANCE_QUEUE } from '@fleetcert/queue';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';
import { waitFor } from '../support/wait-for';

const ZONE = 'data.fleet.test';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('Admin API behind the dashboard (search, device history, failures, queue, issuance series)', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  let admin: string;
  let viewer: string;
  let fleetId: string;

  beforeAll(async () => {
    api = await startTestApi(
      testConfig({ FLEETCERT_FLEET_NAME: 'dashboard-data', FLEETCERT_FLEET_ZONE: ZONE }),
    );
    prisma = api.app.get(PRISMA);
    admin = await api.operatorKey('admin');
    viewer = await api.operatorKey('viewer');
    fleetId = (await prisma.fleet.findUniqueOrThrow({ where: { name: 'dashboard-data' } })).id;
  });
  afterAll(() => api.close());

  async function device(body: { label?: string; identifier?: string } = {}) {
    const res = await api.request('POST', '/v1/admin/devices', { token: admin, body });
    expect(res.status).toBe(201);
    return res.body as { id: string; hostname: string; identifier: string; token: string };
  }

  /** A stored request (and, when `certificate` is given, its certificate), as the worker leaves them. */
  async function history(
    deviceId: string,
    hostname: string,
    r: {
      status: 'pending' | 'valid' | 'failed' | 'deferred';
      createdAt?: Date;
      updatedAt?: Date;
      errorType?: string | null;
      errorDetail?: string;
      certificate?: { createdAt?: Date; notAfter: Date; revokedAt?: Date; renewal?: [Date, Date] };
    },
  ) {
    const id = randomUUID();
    await prisma.certificateRequest.create({
      data: {
        id,
        deviceId,
        status: r.status,
        identifiers: [{ type: 'dns', value: hostname }],
        identifierSet: `dns:${hostname}`,
        csrPem: 'stored',
        csrSha256: randomBytes(32).toString('hex'),
        publicKeySha256: randomBytes(32).toString('hex'),
        challengeType: 'dns_01',
        attempts: 1,
        errorType: r.errorType ?? null,
        errorDetail: r.errorDetail ?? null,
        createdAt: r.createdAt,
        completedAt: r.status === 'valid' || r.status === 'failed' ? (r.updatedAt ?? new Date()) : null,
      },
    });
    // updatedAt is @updatedAt: set it afterwards, as the failure time.
    if (r.updatedAt) {
      await prisma.$executeRaw`UPDATE certificate_requests SET "updatedAt" = ${r.updatedAt} WHERE id = ${id}::uuid`;
    }
    if (r.certificate) {
      const c = r.certificate;
      await prisma.certificate.create({
        data: {
          requestId: id,
          deviceId,
          serial: randomBytes(16).toString('hex'),
          ariCertId: `${randomBytes(8).toString('base64url')}.${randomBytes(8).toString('base64url')}`,
          identifierSet: `dns:${hostname}`,
          notBefore: new Date(c.notAfter.getTime() - 90 * DAY),
          notAfter: c.notAfter,
          chainPem: 'chain',
          publicKeySha256: randomBytes(32).toString('hex'),
          renewalStart: c.renewal?.[0],
          renewalEnd: c.renewal?.[1],
          revokedAt: c.revokedAt,
          createdAt: c.createdAt,
        },
      });
    }
    return id;
  }

  describe('device search (q)', () => {
    // Other suites share the database: every name and address here carries this run's tag.
    const tag = randomBytes(3).toString('hex');
    const octet = 1 + (parseInt(tag.slice(0, 2), 16) % 250);
    let kiosk: { id: string };
    let nas: { id: string };

    beforeAll(async () => {
      kiosk = await device({ label: `kiosk-${tag}-berlin`, identifier: `asset-${tag}-0001` });
      nas = await device({ label: `nas-${tag}-4`, identifier: `SN_${tag}_4711` });
      await device({ label: `nas-${tag}-40`, identifier: `SNX${tag}_4711` });
      await prisma.device.update({
        where: { id: kiosk.id },
        data: { ipv4: `10.${octet}.${parseInt(tag.slice(2, 4), 16)}.40`, ipv6: `2001:db8:${tag}::7` },
      });
    });

    async function search(q: string, extra = ''): Promise<string[]> {
      const res = await api.request('GET', `/v1/admin/devices?q=${encodeURIComponent(q)}${extra}`, {
        token: viewer,
      });
      expect(res.status).toBe(200);
      return res.body.items.map((d: { hostname: string }) => d.hostname);
    }

    it('should find devices by the start of their label or hostname, in any case', async () => {
      expect(await search(`kiosk-${tag}-b`)).toEqual([`kiosk-${tag}-berlin.${ZONE}`]);
      expect(await search(`KIOSK-${tag}-BERLIN.DATA.fleet`)).toEqual([`kiosk-${tag}-berlin.${ZONE}`]);
      expect(await search(`nas-${tag}-4`)).toEqual([`nas-${tag}-40.${ZONE}`, `nas-${tag}-4.${ZONE}`]);
      expect(await search(`${tag}-berlin`)).toEqual([]); // a prefix search, not a substring one
    });

    it('should find devices by the start of their identifier, and take % and _ literally', async () => {
      expect(await search(`asset-${tag}-00`)).toEqual([`kiosk-${tag}-berlin.${ZONE}`]);
      expect(await search(`SN_${tag}`)).toEqual([`nas-${tag}-4.${ZONE}`]);
      expect(await search(`SN_${tag}`.replace('_', '%'))).toEqual([]);
      // Identifiers are matched as typed: `SNX…` starts with `SN`, `snx…` does not.
      expect(await search(`SNX${tag}`)).toEqual([`nas-${tag}-40.${ZONE}`]);
      expect(await search(`snx${tag}_`)).toEqual([]);
    });

    it('should find devices by the start of a reported address', async () => {
      const ipv4 = `10.${octet}.${parseInt(tag.slice(2, 4), 16)}.`;
      expect(await search(ipv4)).toEqual([`kiosk-${tag}-berlin.${ZONE}`]);
      expect(await search(`2001:DB8:${tag.toUpperCase()}::`)).toEqual([`kiosk-${tag}-berlin.${ZONE}`]);
      expect(await search(`${ipv4}41`)).toEqual([]);
    });

    it('should combine the search with filters and paginate through matches', async () => {
      await api.request('POST', `/v1/admin/devices/${nas.id}/disable`, { token: admin });
      expect(await search(`nas-${tag}-4`, '&status=active')).toEqual([`nas-${tag}-40.${ZONE}`]);
      const first = await api.request('GET', `/v1/admin/devices?q=nas-${tag}-4&limit=1`, { token: viewer });
      expect(first.body.items).toHaveLength(1);
      const second = await api.request(
        'GET',
        `/v1/admin/devices?q=nas-${tag}-4&limit=1&cursor=${first.body.nextCursor}`,
        { token: viewer },
      );
      expect(second.body.items[0].hostname).toBe(`nas-${tag}-4.${ZONE}`);
      expect(second.body.nextCursor).toBeNull();
    });

    it('should list a device that matches on several columns once, and combine a search with labels', async () => {
      const twin = await api.request('POST', '/v1/admin/devices', {
        token: admin,
        body: { label: `twin-${tag}`, identifier: `twin-${tag}-id`, labels: { site: `lab-${tag}` } },
      });
      expect(twin.status).toBe(201);
      await device({ label: `twin-${tag}-other`, identifier: `twin-${tag}-other` });
      expect(await search(`twin-${tag}`)).toEqual([`twin-${tag}-other.${ZONE}`, `twin-${tag}.${ZONE}`]);
      expect(await search(`twin-${tag}`, `&label=${encodeURIComponent(`site=lab-${tag}`)}`)).toEqual([
        `twin-${tag}.${ZONE}`,
      ]);
      expect(await search(`twin-${tag}`, `&identifier=twin-${tag}-other`)).toEqual([
        `twin-${tag}-other.${ZONE}`,
      ]);
    });

    it('should page through a search in the same order whether it has few matches or very many', async () => {
      // More matches than the search sorts in memory (2,000): the ordered index walk takes over.
      for (let batch = 0; batch < 3; batch++) {
        const devices = Array.from({ length: 700 }, (_, i) => ({
          identifier: `dense-${tag}-${batch * 700 + i}`,
        }));
        const res = await api.request('POST', '/v1/admin/devices/bulk', { token: admin, body: { devices } });
        expect(res.status).toBe(201);
      }
      async function all(q: string): Promise<string[]> {
        const seen: string[] = [];
        let cursor = '';
        do {
          const res = await api.request(
            'GET',
            `/v1/admin/devices?q=${q}&limit=500${cursor && `&cursor=${cursor}`}`,
            {
              token: viewer,
            },
          );
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((d: { identifier: string }) => d.identifier));
          cursor = res.body.nextCursor ?? '';
        } while (cursor);
        return seen;
      }
      const dense = await all(`dense-${tag}-`);
      expect(dense).toHaveLength(2100);
      expect(new Set(dense).size).toBe(2100);
      // `…-1` matches 1, 10–19, 100–199, 1000–1999: 1,111 devices, sorted in memory.
      const sparse = await all(`dense-${tag}-1`);
      expect(sparse).toHaveLength(1111);
      expect(sparse).toEqual(dense.filter((id) => id.startsWith(`dense-${tag}-1`)));
    });

    it('should refuse a search that is too long or repeated with 400', async () => {
      const long = await api.request('GET', `/v1/admin/devices?q=${'a'.repeat(254)}`, { token: viewer });
      expect(long.status).toBe(400);
      const twice = await api.request('GET', '/v1/admin/devices?q=a&q=b', { token: viewer });
      expect(twice.status).toBe(400);
    });
  });

  describe("a device's history", () => {
    it('should list its requests newest first, with the errors they met', async () => {
      const d = await device();
      const now = Date.now();
      const failed = await history(d.id, d.hostname, {
        status: 'failed',
        createdAt: new Date(now - 2 * HOUR),
        errorType: 'urn:ietf:params:acme:error:rejectedIdentifier',
        errorDetail: 'Policy forbids issuing for name',
      });
      const valid = await history(d.id, d.hostname, {
        status: 'valid',
        createdAt: new Date(now - HOUR),
        certificate: { notAfter: new Date(now + 60 * DAY) },
      });
      const pending = await history(d.id, d.hostname, { status: 'pending', createdAt: new Date(now) });

      const page1 = await api.request('GET', `/v1/admin/devices/${d.id}/requests?limit=2`, { token: viewer });
      expect(page1.status).toBe(200);
      expect(page1.body.items.map((r: { id: string }) => r.id)).toEqual([pending, valid]);
      expect(page1.body.items[1].certificateId).toEqual(expect.any(String));
      expect(page1.body.items[0]).not.toHaveProperty('csrPem');
      const page2 = await api.request(
        'GET',
        `/v1/admin/devices/${d.id}/requests?limit=2&cursor=${page1.body.nextCursor}`,
        {
          token: viewer,
        },
      );
      expect(page2.body.items).toEqual([
        expect.objectContaining({
          id: failed,
          status: 'failed',
          identifiers: [{ type: 'dns', value: d.hostname }],
          error: {
            type: 'urn:ietf:params:acme:error:rejectedIdentifier',
            detail: 'Policy forbids issuing for name',
          },
        }),
      ]);
      expect(page2.body.nextCursor).toBeNull();
    });

    it('should list its certificates, latest expiry first, with state and renewal window', async () => {
      const d = await device();
      const now = Date.now();
      const windowStart = new Date(now + 50 * DAY);
      const windowEnd = new Date(now + 55 * DAY);
      await history(d.id, d.hostname, {
        status: 'valid',
        certificate: { notAfter: new Date(now + 80 * DAY), renewal: [windowStart, windowEnd] },
      });
      await history(d.id, d.hostname, {
        status: 'valid',
        certificate: { notAfter: new Date(now + 3 * DAY) },
      });
      await history(d.id, d.hostname, { status: 'valid', certificate: { notAfter: new Date(now - DAY) } });
      await history(d.id, d.hostname, {
        status: 'valid',
        certificate: { notAfter: new Date(now + 30 * DAY), revokedAt: new Date() },
      });

      const res = await api.request('GET', `/v1/admin/devices/${d.id}/certificates`, { token: viewer });
      expect(res.status).toBe(200);
      expect(res.body.items.map((c: { state: string }) => c.state)).toEqual([
        'valid',
        'revoked',
        'expiring',
        'expired',
      ]);
      expect(res.body.items[0]).toMatchObject({
        renewal: { windowStart: windowStart.toISOString(), windowEnd: windowEnd.toISOString() },
        identifiers: [{ type: 'dns', value: d.hostname }],
      });
      expect(res.body.items[0]).not.toHaveProperty('chainPem');
      expect(res.body.items[1].revokedAt).toEqual(expect.any(String));
    });

    it('should answer 404 for an unknown device and 400 for a bad id or cursor', async () => {
      const unknown = randomUUID();
      expect(
        (await api.request('GET', `/v1/admin/devices/${unknown}/requests`, { token: viewer })).status,
      ).toBe(404);
      expect(
        (await api.request('GET', `/v1/admin/devices/${unknown}/certificates`, { token: viewer })).status,
      ).toBe(404);
      expect((await api.request('GET', '/v1/admin/devices/nope/requests', { token: viewer })).status).toBe(
        400,
      );
      const d = await device();
      const bad = await api.request('GET', `/v1/admin/devices/${d.id}/requests?cursor=zzz`, {
        token: viewer,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('cursor');
      expect((await api.request('GET', `/v1/admin/devices/${d.id}/requests`)).status).toBe(401);
    });
  });

  describe('failures by error type', () => {
    it('should group failed requests of the window by error type with the latest CA details', async () => {
      const tag = randomBytes(4).toString('hex');
      const dns = `urn:test:${tag}:dns`;
      const caa = `urn:test:${tag}:caa`;
      const d = await device();
      const now = Date.now();
      for (let i = 0; i < 3; i++) {
        await history(d.id, d.hostname, {
          status: 'failed',
          errorType: dns,
          errorDetail: `NXDOMAIN looking up TXT (${i})`,
          updatedAt: new Date(now - (i + 1) * 60_000),
        });
      }
      await history(d.id, d.hostname, {
        status: 'failed',
        errorType: caa,
        errorDetail: 'CAA record forbids issuance',
        updatedAt: new Date(now - 30_000),
      });
      // Outside the 24-hour window, and a request that is only retrying: neither counts.
      await history(d.id, d.hostname, {
        status: 'failed',
        errorType: dns,
        errorDetail: 'old',
        updatedAt: new Date(now - 2 * DAY),
      });
      await history(d.id, d.hostname, { status: 'pending', errorType: dns, errorDetail: 'retrying' });

      const res = await api.request('GET', '/v1/admin/failures?hours=24&examples=2', { token: viewer });
      expect(res.status).toBe(200);
      const ours = res.body.groups.filter((g: { type: string }) => g.type.startsWith(`urn:test:${tag}:`));
      expect(ours.map((g: { type: string; count: number }) => [g.type, g.count])).toEqual([
        [dns, 3],
        [caa, 1],
      ]);
      expect(ours[0]).toMatchObject({
        title: dns, // neither the CA's nor fleetcert's: shown whole
        lastFailedAt: new Date(now - 60_000).toISOString(),
        examples: [
          expect.objectContaining({
            hostname: d.hostname,
            deviceId: d.id,
            detail: 'NXDOMAIN looking up TXT (0)',
          }),
          expect.objectContaining({ detail: 'NXDOMAIN looking up TXT (1)' }),
        ],
      });
      expect(res.body.total).toBeGreaterThanOrEqual(4);

      const week = await api.request('GET', `/v1/admin/failures?hours=72&type=${encodeURIComponent(dns)}`, {
        token: viewer,
      });
      expect(week.body.groups).toHaveLength(1);
      expect(week.body.groups[0].count).toBe(4);
      expect(week.body.total).toBe(4);
    });

    it('should refuse a window out of range with 400', async () => {
      expect((await api.request('GET', '/v1/admin/failures?hours=0', { token: viewer })).status).toBe(400);
      expect((await api.request('GET', '/v1/admin/failures?hours=100000', { token: viewer })).status).toBe(
        400,
      );
      expect((await api.request('GET', '/v1/admin/failures?examples=-1', { token: viewer })).status).toBe(
        400,
      );
    });
  });

  describe('issuance over time', () => {
    type Point = { start: string; issued: number; failed: number; expiring: number };
    const series = async (
      query: string,
    ): Promise<{ body: { points: Point[]; current: string }; status: number }> =>
      api.request('GET', `/v1/admin/stats/issuance?${query}`, { token: viewer });

    it("should count issuance and failures per local day of the viewer's time zone, and expiries ahead", async () => {
      const query = 'bucket=day&past=20&future=20&timeZone=Asia/Kolkata';
      const before = await series(query);
      expect(before.status).toBe(200);
      expect(before.body.points).toHaveLength(41);

      // 12 days ago, 23:50 and 00:10 in Kolkata (UTC+05:30): one UTC day, two local days.
      const localMidnight = new Date(before.body.points[8].start).getTime(); // 12 days before today
      const d = await device();
      await history(d.id, d.hostname, {
        status: 'valid',
        certificate: {
          createdAt: new Date(localMidnight - 10 * 60_000),
          notAfter: new Date(Date.now() + 400 * DAY),
        },
      });
      await history(d.id, d.hostname, {
        status: 'valid',
        certificate: {
          createdAt: new Date(localMidnight + 10 * 60_000),
          notAfter: new Date(Date.now() + 400 * DAY),
        },
      });
      await history(d.id, d.hostname, {
        status: 'failed',
        errorType: 'urn:test:series',
        updatedAt: new Date(localMidnight + 60 * 60_000),
      });
      // Issued long ago, ending 15 days ago (bucket 5) and 13 days ahead (bucket 33); a
      // revoked certificate does not count.
      const longAgo = new Date(Date.now() - 200 * DAY);
      for (const bucket of [5, 33]) {
        const notAfter = new Date(new Date(before.body.points[bucket].start).getTime() + 6 * HOUR);
        await history(d.id, d.hostname, { status: 'valid', certificate: { createdAt: longAgo, notAfter } });
        await history(d.id, d.hostname, {
          status: 'valid',
          certificate: { createdAt: longAgo, notAfter, revokedAt: new Date() },
        });
      }

      const after = await series(query);
      const delta = after.body.points.map((p, i) => ({
        issued: p.issued - before.body.points[i].issued,
        failed: p.failed - before.body.points[i].failed,
        expiring: p.expiring - before.body.points[i].expiring,
      }));
      expect(delta[5]).toEqual({ issued: 0, failed: 0, expiring: 1 });
      expect(delta[7]).toEqual({ issued: 1, failed: 0, expiring: 0 });
      expect(delta[8]).toEqual({ issued: 1, failed: 1, expiring: 0 });
      // Past days belong to this test alone; today and the days ahead may also move with
      // other suites issuing certificates in parallel.
      const pastUntouched = delta.slice(0, 20).filter((_, i) => ![5, 7, 8].includes(i));
      expect(pastUntouched.filter((x) => x.issued || x.failed || x.expiring)).toEqual([]);
      expect(delta[33].expiring).toBeGreaterThanOrEqual(1);

      // Every bucket starts at a local midnight.
      const hhmm = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Kolkata',
        hour: '2-digit',
        minute: '2-digit',
      });
      expect(new Set(after.body.points.map((p) => hhmm.format(new Date(p.start))))).toEqual(
        new Set(['00:00']),
      );
      expect(after.body.current).toBe(after.body.points[20].start);
    });

    it('should keep local days right across a daylight-saving change, and count by hour', async () => {
      const res = await series('bucket=day&past=92&future=92&timeZone=Europe/Berlin');
      expect(res.status).toBe(200);
      const lengths = res.body.points
        .slice(1)
        .map((p, i) => (new Date(p.start).getTime() - new Date(res.body.points[i].start).getTime()) / HOUR);
      // Half a year of Berlin days holds one or two DST changes: 23- or 25-hour days.
      expect(lengths.filter((h) => h !== 24).length).toBeGreaterThanOrEqual(1);
      expect(new Set(lengths.filter((h) => h !== 24)).size).toBeLessThanOrEqual(2);
      expect(lengths.every((h) => [23, 24, 25].includes(h))).toBe(true);
      // Whatever their length, the buckets are consecutive local calendar days, each from midnight.
      const berlin = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'Europe/Berlin',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      const local = res.body.points.map((p) => berlin.format(new Date(p.start)));
      expect(local.every((l) => l.endsWith('00:00'))).toBe(true);
      const days = local.map((l) => Date.parse(`${l.slice(0, 10)}T00:00:00Z`) / DAY);
      expect(days.slice(1).every((d, i) => d - days[i] === 1)).toBe(true);

      const hours = await series('bucket=hour&past=3&future=2&timeZone=UTC');
      expect(hours.body.points).toHaveLength(6);
      expect(new Date(hours.body.current).getTime()).toBe(Math.floor(Date.now() / HOUR) * HOUR);
    });

    it('should refuse an unknown time zone or too many buckets with 400', async () => {
      for (const query of [
        'timeZone=Mars/Olympus_Mons',
        'timeZone=%27%3B%20DROP%20TABLE%20devices',
        'bucket=day&past=93',
        'bucket=week',
        'past=-1',
      ]) {
        const res = await series(query);
        expect([query, res.status]).toEqual([query, 400]);
      }
    });
  });

  describe('the issuance queue', () => {
    it('should count jobs by state, list failed ones and retry one as an admin', async () => {
      const d = await device();
      const requestId = await history(d.id, d.hostname, { status: 'pending' });
      const config = api.config;
      const queue = new Queue(ISSUANCE_QUEUE, {
        connection: { url: config.redis.url },
        prefix: config.redis.prefix,
      });
      // A worker that fails every job at once, standing in for one that gave up.
      const worker = new Worker(
        ISSUANCE_QUEUE,
        async () => {
          throw new Error('CA unreachable: connect ECONNREFUSED');
        },
        { connection: { url: config.redis.url }, prefix: config.redis.prefix },
      );
      try {
        await queue.add('issue', { requestId }, { jobId: requestId, attempts: 1 });
        const counts = await waitFor(
          () => api.request('GET', '/v1/admin/queue', { token: viewer }),
          (r) => r.body.failed === 1,
          { what: 'the job to fail' },
        );
        expect(counts.body).toMatchObject({ queue: 'issuance', failed: 1, active: 0, paused: false });
        await worker.close();

        const failed = await api.request('GET', '/v1/admin/queue/failed', { token: viewer });
        expect(failed.body).toEqual({
          total: 1,
          items: [
            expect.objectContaining({
              id: requestId,
              requestId,
              name: 'issue',
              attemptsMade: 1,
              failedReason: 'CA unreachable: connect ECONNREFUSED',
            }),
          ],
        });

        const refused = await api.request('POST', `/v1/admin/queue/jobs/${requestId}/retry`, {
          token: viewer,
        });
        expect(refused.status).toBe(403);
        const retried = await api.request('POST', `/v1/admin/queue/jobs/${requestId}/retry`, {
          token: admin,
        });
        expect(retried.status).toBe(200);
        expect(retried.body).toEqual({ id: requestId, state: 'waiting' });
        const job = await queue.getJob(requestId);
        expect(job?.attemptsMade).toBe(0);
        const now = await api.request('GET', '/v1/admin/queue', { token: viewer });
        expect(now.body).toMatchObject({ failed: 0, waiting: 1 });

        const again = await api.request('POST', `/v1/admin/queue/jobs/${requestId}/retry`, { token: admin });
        expect(again.status).toBe(409);
        expect(again.body.message).toContain('waiting');
        const audit = await api.request('GET', `/v1/admin/audit?targetId=${requestId}`, { token: viewer });
        expect(audit.body).toEqual([
          expect.objectContaining({
            action: 'queue.job.retry',
            actorType: 'operator',
            actorName: expect.any(String),
          }),
        ]);
      } finally {
        await worker.close();
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });

    it('should answer 404 for an unknown job and 400 for a malformed id', async () => {
      expect(
        (await api.request('POST', `/v1/admin/queue/jobs/${randomUUID()}/retry`, { token: admin })).status,
      ).toBe(404);
      expect((await api.request('POST', '/v1/admin/queue/jobs/1/retry', { token: admin })).status).toBe(400);
      expect((await api.request('GET', '/v1/admin/queue/failed?limit=0', { token: viewer })).status).toBe(
        400,
      );
    });
  });

  it('should name the operator who acted in the audit log', async () => {
    const d = await device();
    const res = await api.request('GET', `/v1/admin/audit?targetType=device&targetId=${d.id}`, {
      token: viewer,
    });
    const operator = await prisma.auditEvent.findFirstOrThrow({ where: { targetId: d.id } });
    const name = (await prisma.operator.findUniqueOrThrow({ where: { id: operator.actorId! } })).name;
    expect(res.body).toEqual([expect.objectContaining({ action: 'device.create', actorName: name })]);
    expect(fleetId).toEqual(expect.any(String));
  });
});
