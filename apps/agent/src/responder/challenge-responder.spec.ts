import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeviceApiClient } from '../api/device-api.client';
import { HttpClient } from '../api/http-client';
import { JsonLogger } from '../log/logger';
import { ChallengeAnswers, ProxyAnswers, PulledAnswers, RedirectAnswers } from './challenge-answers';
import { ChallengeResponder } from './challenge-responder';

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEY_AUTHORIZATION = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;
const DEVICE_TOKEN = 'fcd_devicetokendevicetokendevicetoken';

/**
 * A stand-in for the control server (its public responder and `GET /v1/device/challenges`)
 * that records every request it receives, so the tests can check what the device passed on.
 */
async function startControlServer() {
  const received: { method: string; url: string; authorization?: string }[] = [];
  let challenges = [
    {
      token: TOKEN,
      keyAuthorization: KEY_AUTHORIZATION,
      identifier: { type: 'ip', value: '203.0.113.7' },
      expiresAt: new Date(Date.now() + 60_000).toISOString() as string | null,
    },
  ];
  const server = createServer((req, res) => {
    received.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    if (req.url === `/.well-known/acme-challenge/${TOKEN}`)
      return res.writeHead(200, { 'content-type': 'text/plain' }).end(KEY_AUTHORIZATION);
    if (req.url === '/v1/device/challenges' && req.headers.authorization === `Bearer ${DEVICE_TOKEN}`) {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(challenges));
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"statusCode":404,"error":"Not Found","message":"No such challenge"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    setChallenges: (list: typeof challenges) => (challenges = list),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe(ChallengeResponder.name, () => {
  let control: Awaited<ReturnType<typeof startControlServer>>;
  let http: HttpClient;
  let api: DeviceApiClient;
  let responder: ChallengeResponder;
  let port: number;
  const logger = new JsonLogger('error', { write: () => undefined });

  beforeEach(async () => {
    control = await startControlServer();
    http = new HttpClient({ baseUrl: control.url, timeoutMs: 2000, userAgent: 'test' });
    api = new DeviceApiClient(http, DEVICE_TOKEN);
  });
  afterEach(async () => {
    await responder?.close();
    http.close();
    await control.close();
  });

  async function start(answers: ChallengeAnswers, maxInFlight = 32) {
    responder = new ChallengeResponder(answers, logger, { maxInFlight });
    port = (await responder.listen('127.0.0.1', 0)).port;
  }

  describe('in every mode', () => {
    it.each([
      '/',
      '/index.html',
      '/v1/device',
      '/.well-known/acme-challenge/',
      '/.well-known/acme-challenge/short',
      `/.well-known/acme-challenge/${TOKEN}/../../v1/device`,
      `/.well-known/acme-challenge/..%2f..%2fv1%2fdevice${'a'.repeat(20)}`,
      `/.well-known/acme-challenge/${'a'.repeat(129)}`,
      `/.well-known/other/${TOKEN}`,
    ])('should answer 404 to %s and pass nothing on', async (path) => {
      await start(new ProxyAnswers(api, logger));
      const res = await get(port, path);
      expect(res.status).toBe(404);
      expect(control.received).toEqual([]);
    });

    it('should refuse other methods on a challenge path', async () => {
      await start(new ProxyAnswers(api, logger));
      const res = await get(port, `/.well-known/acme-challenge/${TOKEN}`, 'POST');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(control.received).toEqual([]);
    });
  });

  describe('proxy mode', () => {
    it("should relay the server's answer, without the device credential and without the query", async () => {
      await start(new ProxyAnswers(api, logger));
      const res = await get(port, `/.well-known/acme-challenge/${TOKEN}?x=1`);
      expect(res).toMatchObject({ status: 200, body: KEY_AUTHORIZATION });
      expect(res.headers['content-type']).toBe('text/plain');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(control.received).toEqual([
        { method: 'GET', url: `/.well-known/acme-challenge/${TOKEN}`, authorization: undefined },
      ]);
    });

    it('should answer HEAD without a body', async () => {
      await start(new ProxyAnswers(api, logger));
      const res = await get(port, `/.well-known/acme-challenge/${TOKEN}`, 'HEAD');
      expect(res).toMatchObject({ status: 200, body: '' });
      expect(res.headers['content-length']).toBe(String(KEY_AUTHORIZATION.length));
    });

    it('should answer 404 for a token the server does not know, and 502 when the server is down', async () => {
      await start(new ProxyAnswers(api, logger));
      expect((await get(port, `/.well-known/acme-challenge/${'b'.repeat(43)}`)).status).toBe(404);
      await control.close();
      expect((await get(port, `/.well-known/acme-challenge/${TOKEN}`)).status).toBe(502);
    });

    it('should shed load beyond its limit of answers in progress', async () => {
      let release!: () => void;
      let entered!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const inside = new Promise<void>((r) => (entered = r));
      await start(
        {
          answer: async () => {
            entered();
            await gate;
            return { kind: 'text', body: KEY_AUTHORIZATION };
          },
        },
        1,
      );
      const first = get(port, `/.well-known/acme-challenge/${TOKEN}`);
      await inside;
      const second = await get(port, `/.well-known/acme-challenge/${TOKEN}`);
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('1');
      release();
      expect((await first).status).toBe(200);
    });
  });

  describe('redirect mode', () => {
    it("should send the CA to the server's responder with a 302", async () => {
      await start(new RedirectAnswers(api));
      const res = await get(port, `/.well-known/acme-challenge/${TOKEN}`);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`${control.url}/.well-known/acme-challenge/${TOKEN}`);
      expect(control.received).toEqual([]);
    });
  });

  describe('pull mode', () => {
    it('should serve a challenge it pulled with the device credential', async () => {
      const answers = new PulledAnswers(api, logger, { minPullSpacingMs: 60_000 });
      await start(answers);
      expect(await answers.pull()).toBe(1);
      expect(control.received).toEqual([
        { method: 'GET', url: '/v1/device/challenges', authorization: `Bearer ${DEVICE_TOKEN}` },
      ]);
      expect(await get(port, `/.well-known/acme-challenge/${TOKEN}`)).toMatchObject({
        status: 200,
        body: KEY_AUTHORIZATION,
      });
      expect(control.received).toHaveLength(1);
    });

    it('should pull at once for a token it does not know yet, at most once per spacing', async () => {
      let clock = 1_000_000;
      const answers = new PulledAnswers(api, logger, { minPullSpacingMs: 1000, now: () => clock });
      await start(answers);
      expect(await get(port, `/.well-known/acme-challenge/${TOKEN}`)).toMatchObject({
        status: 200,
        body: KEY_AUTHORIZATION,
      });
      const unknown = `/.well-known/acme-challenge/${'c'.repeat(43)}`;
      expect((await get(port, unknown)).status).toBe(404);
      expect((await get(port, unknown)).status).toBe(404);
      expect(control.received.filter((r) => r.url === '/v1/device/challenges')).toHaveLength(1);
      clock += 1000;
      expect((await get(port, unknown)).status).toBe(404);
      expect(control.received.filter((r) => r.url === '/v1/device/challenges')).toHaveLength(2);
    });

    it('should stop serving a challenge once it expired or the server no longer lists it', async () => {
      let clock = Date.now();
      const answers = new PulledAnswers(api, logger, { minPullSpacingMs: 60_000, now: () => clock });
      await start(answers);
      await answers.pull();
      clock += 61_000;
      expect((await get(port, `/.well-known/acme-challenge/${TOKEN}`)).status).toBe(404);
      clock -= 61_000;
      control.setChallenges([]);
      await answers.pull();
      expect((await get(port, `/.well-known/acme-challenge/${TOKEN}`)).status).toBe(404);
    });
  });
});
