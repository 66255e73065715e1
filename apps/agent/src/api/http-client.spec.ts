import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, ProtocolError, ServerUnreachableError } from './api-errors';
import { DeviceApiClient } from './device-api.client';
import { HttpClient } from './http-client';

describe(HttpClient.name, () => {
  let server: Server;
  let base: string;
  let handler: (
    url: string,
    res: import('node:http').ServerResponse,
    headers: import('node:http').IncomingHttpHeaders,
  ) => void;
  let client: HttpClient;

  beforeEach(async () => {
    server = createServer((req, res) => handler(req.url!, res, req.headers));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    client?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('should keep a path prefix of the base URL', async () => {
    let seen = '';
    handler = (url, res) => {
      seen = url;
      res.end('{}');
    };
    client = new HttpClient({ baseUrl: `${base}/fleetcert/`, timeoutMs: 1000, userAgent: 'ua' });
    await client.request('GET', '/v1/device');
    expect(seen).toBe('/fleetcert/v1/device');
  });

  it('should give up on a server that does not answer in time', async () => {
    handler = () => undefined; // never answers
    client = new HttpClient({ baseUrl: base, timeoutMs: 100, userAgent: 'ua' });
    await expect(client.request('GET', '/v1/device')).rejects.toMatchObject({
      name: 'ServerUnreachableError',
      code: 'ETIMEDOUT',
    });
  });

  it('should refuse an answer larger than the cap', async () => {
    handler = (_url, res) => res.end('x'.repeat(10_000));
    client = new HttpClient({ baseUrl: base, timeoutMs: 1000, userAgent: 'ua', maxResponseBytes: 1000 });
    await expect(client.request('GET', '/')).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE' });
  });
});

describe(DeviceApiClient.name, () => {
  let server: Server;
  let client: HttpClient;
  let answer: { status: number; body: string; headers?: Record<string, string> };
  let seen: { method?: string; url?: string; authorization?: string; idempotency?: string; body?: string } =
    {};

  beforeEach(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = {
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          idempotency: req.headers['idempotency-key'] as string,
          body,
        };
        res
          .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
          .end(answer.body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = new HttpClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutMs: 1000,
      userAgent: 'ua',
    });
  });
  afterEach(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('should submit a CSR with the credential, the idempotency key and the http-01 mode', async () => {
    answer = {
      status: 202,
      body: JSON.stringify({
        id: 'r1',
        status: 'pending',
        identifiers: [{ type: 'ip', value: '203.0.113.7' }],
      }),
    };
    const api = new DeviceApiClient(client, 'fcd_secret');
    const view = await api.submitCsr('CSR', { http01Mode: 'pull' }, 'idem-1');
    expect(view.id).toBe('r1');
    expect(seen).toEqual({
      method: 'POST',
      url: '/v1/certificates',
      authorization: 'Bearer fcd_secret',
      idempotency: 'idem-1',
      body: JSON.stringify({ csr: 'CSR', http01Mode: 'pull' }),
    });
  });

  it("should turn the server's error shape into an ApiError with Retry-After", async () => {
    answer = {
      status: 503,
      body: JSON.stringify({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'DNS server unreachable',
      }),
      headers: { 'retry-after': '7' },
    };
    const err = await new DeviceApiClient(client, 't').getDevice().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 503,
      message: '503 Service Unavailable: DNS server unreachable',
      retryAfterMs: 7000,
    });
  });

  it('should treat an answer it cannot read as a protocol error, not as data', async () => {
    answer = { status: 200, body: '<html>captive portal</html>' };
    await expect(new DeviceApiClient(client, 't').getDevice()).rejects.toBeInstanceOf(ProtocolError);
    answer = { status: 200, body: JSON.stringify({ id: 'r1', status: 'exploded', identifiers: [] }) };
    await expect(new DeviceApiClient(client, 't').getRequest('r1')).rejects.toBeInstanceOf(ProtocolError);
  });

  it('should keep only well-formed challenges from the list', async () => {
    const token = 'a'.repeat(43);
    answer = {
      status: 200,
      body: JSON.stringify([
        {
          token,
          keyAuthorization: `${token}.thumb`,
          identifier: { type: 'ip', value: '203.0.113.7' },
          expiresAt: null,
        },
        { token: '../../etc', keyAuthorization: '../../etc.x', identifier: {}, expiresAt: null },
        { token, keyAuthorization: 'someone-else.thumb', identifier: {}, expiresAt: null },
      ]),
    };
    expect((await new DeviceApiClient(client, 't').listChallenges()).map((c) => c.keyAuthorization)).toEqual([
      `${token}.thumb`,
    ]);
  });

  it('should report an unreachable server', async () => {
    const down = new HttpClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, userAgent: 'ua' });
    await expect(new DeviceApiClient(down, 't').getDevice()).rejects.toBeInstanceOf(ServerUnreachableError);
    down.close();
  });
});
