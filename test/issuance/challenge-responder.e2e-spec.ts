import { PRISMA, PrismaClient } from '@fleetcert/db';
import { startTestApi, TestApi } from '../support/api';
import { testConfig } from '../support/config';

describe('GET /.well-known/acme-challenge/{token} (public responder)', () => {
  let api: TestApi;
  let prisma: PrismaClient;
  const token = 'tok_' + 'A'.repeat(40);

  beforeAll(async () => {
    api = await startTestApi(
      testConfig({
        FLEETCERT_FLEET_NAME: 'responder',
        FLEETCERT_FLEET_ZONE: 'responder.fleet.test',
        FLEETCERT_CHALLENGE_RESPONDER_RATE: '20',
      }),
    );
    prisma = api.app.get(PRISMA);
    const admin = await api.operatorKey();
    const device = (await api.request('POST', '/v1/admin/devices', { token: admin, body: {} })).body;
    const request = await prisma.certificateRequest.create({
      data: {
        deviceId: device.id,
        identifiers: [{ type: 'ip', value: '8.8.8.8' }],
        identifierSet: 'ip:8.8.8.8',
        csrPem: 'x',
        csrSha256: 'x',
        publicKeySha256: 'x',
        challengeType: 'http_01',
        status: 'processing',
      },
    });
    await prisma.challenge.create({
      data: {
        requestId: request.id,
        type: 'http_01',
        identifierType: 'ip',
        identifierValue: '8.8.8.8',
        authorizationUrl: 'https://ca.test/authz/1',
        challengeUrl: 'https://ca.test/chall/1',
        token,
        keyAuthorization: `${token}.thumbprint`,
        status: 'presented',
      },
    });
  });
  afterAll(() => api.close());

  it('should answer the exact token of a challenge being solved, as text/plain', async () => {
    const res = await fetch(`${api.url}/.well-known/acme-challenge/${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(`${token}.thumbprint`);
  });

  it.each([
    ['an unknown token', 'B'.repeat(43)],
    ['a prefix of a real token', token.slice(0, 30)],
    ['a token too short to be one', 'abc'],
    ['characters no token has', `${token.slice(0, 30)}%2e%2e`],
  ])('should answer 404 for %s, without listing anything', async (_, candidate) => {
    const res = await fetch(`${api.url}/.well-known/acme-challenge/${candidate}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('thumbprint');
  });

  it('should stop serving the token once the challenge is done', async () => {
    await prisma.challenge.updateMany({ where: { token }, data: { status: 'valid' } });
    expect((await fetch(`${api.url}/.well-known/acme-challenge/${token}`)).status).toBe(404);
    await prisma.challenge.updateMany({ where: { token }, data: { status: 'presented' } });
  });

  it('should throttle one client with 429 and Retry-After', async () => {
    // The throttle counts per wall-clock minute, so a run may straddle a minute boundary:
    // each answer is attributed to its minute only when it was sent and received within it,
    // and the run goes on until the first 429 (two full windows at most).
    const window = () => Math.floor(Date.now() / 60_000);
    const okPerWindow = new Map<number, number>();
    let throttled: Response | undefined;
    for (let i = 0; i < 2 * 20 + 2 && !throttled; i++) {
      const sentIn = window();
      const res = await fetch(`${api.url}/.well-known/acme-challenge/${token}`);
      if (res.status === 429) throttled = res;
      else expect(res.status).toBe(200);
      if (res.status === 200 && window() === sentIn)
        okPerWindow.set(sentIn, (okPerWindow.get(sentIn) ?? 0) + 1);
    }
    expect(throttled).toBeDefined();
    const retryAfter = Number(throttled!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    for (const ok of okPerWindow.values()) expect(ok).toBeLessThanOrEqual(20);
  });
});
