import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { cycleFor, HttpRequest, sendEachOnce } from '../../bench/support/load-generator';

// The benchmark's load generator against a real HTTP server that records what arrives: the
// API rows are only right if every submission is sent exactly once and the counts are
// those of these requests alone. wrk comes from Debian (`apt-get install -y wrk`), which
// .ci/run installs with the other test peers.

describe('bench load generator (wrk)', () => {
  let server: Server;
  let url: string;
  /** "<method> <path> <authorization> <body>" of every request the server received. */
  let received: string[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
        res.writeHead(req.url!.startsWith('/missing') ? 404 : 201, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    received = [];
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const submissions = (n: number): HttpRequest[] =>
    Array.from({ length: n }, (_, i) => ({
      method: 'POST',
      path: `/v1/certificates?n=${i}`,
      headers: { authorization: `Bearer token-${i}`, 'content-type': 'application/json' },
      // Multi-byte characters: the framing on wrk's stdin counts bytes, not characters.
      body: JSON.stringify({ csr: `csr-${i}-é€` }),
    }));

  it.each([1, 2])(
    'sends every request exactly once with %i thread(s), and counts only those',
    async (threads) => {
      const requests = submissions(1001);
      const result = await sendEachOnce({ url, connections: 32, threads, requests, timeoutSeconds: 10 });

      const expected = requests.map((r) => `POST ${r.path} ${r.headers!.authorization} ${r.body}`);
      expect(received.slice().sort()).toEqual(expected.slice().sort());
      expect(result.requests.total).toBe(1001);
      expect(result.non2xx).toBe(0);
      expect(result.errors + result.timeouts).toBe(0);
      // First request to last answer, not wrk's whole --duration (300 s by default).
      expect(result.duration).toBeGreaterThan(0);
      expect(result.duration).toBeLessThan(30);
      expect(result.latency.p50).toBeGreaterThan(0);
      expect(result.latency.p99).toBeGreaterThanOrEqual(result.latency.p50);
      expect(result.latency.max).toBeGreaterThanOrEqual(result.latency.p99);
      expect(result.cpuSeconds).toBeGreaterThan(0);
    },
  );

  it('counts answers ≥ 400 as non-2xx', async () => {
    const result = await sendEachOnce({
      url,
      connections: 4,
      timeoutSeconds: 10,
      requests: [
        { method: 'GET', path: '/missing/1' },
        { method: 'GET', path: '/found' },
        { method: 'GET', path: '/missing/2' },
      ],
    });
    expect(result.requests.total).toBe(3);
    expect(result.non2xx).toBe(2);
    expect(received).toHaveLength(3);
  });

  it('cycles through the requests round-robin for the given time', async () => {
    const requests = [0, 1, 2].map((i) => ({
      method: 'GET' as const,
      path: `/v1/certificates/${i}`,
      headers: { authorization: `Bearer token-${i}` },
    }));
    const started = Date.now();
    const result = await cycleFor({ url, connections: 4, seconds: 1, timeoutSeconds: 10, requests });

    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.duration).toBeGreaterThanOrEqual(1);
    expect(result.requests.total).toBeGreaterThan(30);
    // wrk stops with requests in flight: the server may have seen a few it never counted.
    expect(received.length).toBeGreaterThanOrEqual(result.requests.total);
    const perPath = [0, 1, 2].map(
      (i) => received.filter((r) => r.startsWith(`GET /v1/certificates/${i} `)).length,
    );
    expect(perPath.reduce((a, b) => a + b)).toBe(received.length);
    for (const count of perPath) expect(Math.abs(count - received.length / 3)).toBeLessThanOrEqual(5);
    expect(received[0]).toContain('Bearer token-');
  });
});
