import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { cycleFor, HttpRequest, sendEachOnce } from '../../bench/support/load-generator';
import { slowStretches } from '../../bench/support/paced-windows';
import { percentile } from '../../bench/support/stats';

// The benchmark's load generator against a real HTTP server that records what arrives: the
// API rows are only right if every submission is sent exactly once and the counts are
// those of these requests alone. wrk comes from Debian (`apt-get install -y wrk`), which
// .ci/run installs with the other test peers.

describe('bench load generator (wrk)', () => {
  let server: Server;
  let url: string;
  /** "<method> <path> <authorization> <body>" of every request the server received. */
  let received: string[];
  /** Arrival times (performance.now()) of the requests the server received. */
  let arrivals: number[];
  /** When set, the server blocks its event loop this long on the request with this path. */
  let stall: { path: string; ms: number } | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
        arrivals.push(performance.now());
        if (stall && stall.path === req.url) {
          // A whole-process pause (as a long GC or a busy event loop would be).
          const until = performance.now() + stall.ms;
          while (performance.now() < until);
        }
        const requestId = req.headers['x-request-id'];
        res.writeHead(req.url!.startsWith('/missing') ? 404 : 201, {
          'content-type': 'text/plain',
          ...(typeof requestId === 'string' &&
            !req.url!.startsWith('/no-echo') && { 'x-request-id': requestId }),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    received = [];
    arrivals = [];
    stall = undefined;
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

  describe('paced (open loop)', () => {
    const gets = (n: number): HttpRequest[] =>
      Array.from({ length: n }, (_, i) => ({ method: 'GET', path: `/paced/${i}` }));

    it('sends on schedule at the offered rate, not as fast as the server answers', async () => {
      const result = await cycleFor({
        url,
        connections: 16,
        seconds: 2,
        timeoutSeconds: 10,
        ratePerSecond: 500,
        requests: gets(10),
      });

      // Closed loop, this server answers thousands a second; paced, it gets the rate asked for.
      const rate = result.requests.total / result.duration;
      expect(rate).toBeGreaterThan(450);
      expect(rate).toBeLessThan(550);
      // Evenly over the run, not in bursts: the typical 100 ms stretch holds about its share
      // (50). A pacer that sends in bursts leaves most stretches empty or crowded. Arrivals are
      // timed by this process, which the other Jest worker can hold up for ~100 ms; what
      // arrived meanwhile lands in one stretch, so at most two may hold more than twice
      // their share.
      const start = arrivals[0];
      const fullWindows = Math.floor((arrivals.at(-1)! - start) / 100);
      const perWindow: number[] = Array.from({ length: fullWindows }, () => 0);
      for (const t of arrivals) {
        const w = Math.floor((t - start) / 100);
        if (w < fullWindows) perWindow[w]++;
      }
      const median = percentile(perWindow, 50);
      expect(median).toBeGreaterThanOrEqual(40);
      expect(median).toBeLessThanOrEqual(60);
      expect(perWindow.filter((count) => count > 100).length).toBeLessThanOrEqual(2);
      expect(result.paced).toMatchObject({ offeredPerSecond: 500, unpaired: 0 });
      // Each connection's first request goes out at the start, so answers may run a few
      // slots ahead of the schedule; they never fall far behind it here.
      expect(Math.abs(result.paced!.dueByEnd - result.requests.total)).toBeLessThanOrEqual(16);
    });

    it('counts a stall against every request it held up, where closed-loop latency hides it', async () => {
      // 2,000 requests at 1,000/s; request 500 stalls the server for 300 ms. Sent on schedule,
      // ~300 requests fall due during the stall, and each waits for it: the paced p90 and p99
      // see it, while send-to-answer latency (what a closed-loop tool reports) sees it only
      // for the 8 requests that were in flight.
      stall = { path: '/paced/500', ms: 300 };
      const result = await sendEachOnce({
        url,
        connections: 8,
        timeoutSeconds: 10,
        ratePerSecond: 1000,
        requests: gets(2000),
      });

      expect(result.requests.total).toBe(2000);
      expect(received).toHaveLength(2000);
      expect(result.paced!.unpaired).toBe(0);
      expect(result.latency.max).toBeGreaterThanOrEqual(290);
      expect(result.latency.p99).toBeGreaterThan(200);
      expect(result.latency.p90).toBeGreaterThan(20);
      expect(result.paced!.fromSend.p99).toBeLessThan(100);
      // By when they were due: 20 windows of 100 ms; the stall is in the sixth (request 500
      // is due at 0.5 s), and the windows before it are quick.
      const windows = result.paced!.windowMaxMs;
      expect(windows).toHaveLength(20);
      expect(windows[5]).toBeGreaterThanOrEqual(290);
      for (const ms of windows.slice(0, 4)) expect(ms).toBeLessThan(150);
      expect(slowStretches(windows, 200)[0]).toMatchObject({ fromSeconds: 0.5 });
      // The schedule holds overall: about 2 s for 2,000 requests, the stall caught up.
      expect(result.duration).toBeGreaterThan(1.8);
      expect(result.duration).toBeLessThan(3);
    });

    it('times the 2xx answers alone apart from the rest', async () => {
      const refused = Array.from({ length: 20 }, (_, i) => ({
        method: 'GET' as const,
        path: `/missing/${i}`,
      }));
      const result = await sendEachOnce({
        url,
        connections: 4,
        timeoutSeconds: 10,
        ratePerSecond: 200,
        requests: refused,
      });
      expect(result.non2xx).toBe(20);
      expect(result.latency.max).toBeGreaterThan(0);
      expect(result.paced!.ok).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });

      const served = await sendEachOnce({
        url,
        connections: 4,
        timeoutSeconds: 10,
        ratePerSecond: 200,
        requests: gets(20),
      });
      expect(served.paced!.ok).toEqual(served.latency);
    });

    it('counts an answer without its echoed request id as unpaired, not as a latency', async () => {
      const requests: HttpRequest[] = [
        ...gets(15),
        ...Array.from({ length: 5 }, (_, i) => ({ method: 'GET' as const, path: `/no-echo/${i}` })),
      ];
      const result = await sendEachOnce({
        url,
        connections: 4,
        timeoutSeconds: 10,
        ratePerSecond: 200,
        requests,
      });
      expect(result.requests.total).toBe(20);
      expect(result.paced!.unpaired).toBe(5);
      // Paired answers only: the latency is that of the 15 the script could pair.
      expect(result.latency.max).toBeGreaterThan(0);
    });
  });
});
