import Fastify, { FastifyInstance } from 'fastify';
import { createLogger, Metrics } from '@fleetcert/observability';
import {
  isSheddableRoute,
  SHED_INTERVAL_MS,
  SHED_MIN_SERVED,
  SHED_RETRY_AFTER_SECONDS,
  shedDeviceRequestsWhenOverloaded,
  wasShed,
} from './shed-device-requests';

/**
 * The hooks on a real Fastify instance, with a clock the test moves. Requests of
 * {@link served} run together and the test finishes each at the clock time it chose, so a
 * standing queue or a burst is made exactly, without load.
 */
describe(shedDeviceRequestsWhenOverloaded.name, () => {
  let t: number;
  let handled: string[];
  let metrics: Metrics;
  let warnings: unknown[];
  let app: FastifyInstance;
  /** Handlers of {@link served} requests wait here until the test finishes them. */
  let waiting: Array<() => void>;
  /** Each answered request's status and what {@link wasShed} said of it, in order. */
  let answered: Array<{ status: number; shed: boolean }>;

  async function build(queueDelayTargetMs: number, random = () => 0.5): Promise<FastifyInstance> {
    const server = Fastify();
    const logger = createLogger({ name: 'shed-test', level: 'silent' });
    logger.warn = ((obj: unknown) => void warnings.push(obj)) as typeof logger.warn;
    shedDeviceRequestsWhenOverloaded(server, { queueDelayTargetMs, metrics, logger, random, now: () => t });
    server.addHook('onResponse', (request, reply, done) => {
      answered.push({ status: reply.statusCode, shed: wasShed(request) });
      done();
    });
    const handler = (name: string) => async (request: { headers: Record<string, unknown> }) => {
      handled.push(name);
      if (request.headers['x-held'] === 'yes') await new Promise<void>((resolve) => waiting.push(resolve));
      return { ok: true };
    };
    server.get('/v1/device', handler('device'));
    server.post('/v1/certificates', handler('submit'));
    server.get('/v1/admin/fleet/status', handler('admin'));
    server.get('/health', handler('health'));
    server.get('/.well-known/acme-challenge/:token', handler('challenge'));
    await server.ready();
    return server;
  }

  /**
   * Serves requests to `url` that all start now and take `durationsMs` each, then moves the
   * clock to the end of the interval they finished in, so the next request sees its verdict.
   */
  async function served(durationsMs: number[], url = '/v1/device'): Promise<void> {
    const start = t;
    waiting = [];
    const responses = durationsMs.map(() => app.inject({ url, headers: { 'x-held': 'yes' } }));
    while (waiting.length < durationsMs.length) await new Promise((resolve) => setImmediate(resolve));
    const finish = [...waiting];
    const order = durationsMs.map((ms, i) => ({ ms, i })).sort((a, b) => a.ms - b.ms);
    for (const { ms, i } of order) {
      t = start + ms;
      finish[i]();
      expect((await responses[i]).statusCode).toBe(200);
    }
    t = (Math.floor(t / SHED_INTERVAL_MS) + 1) * SHED_INTERVAL_MS;
  }

  const slow = (n: number, ms: number) => Array<number>(n).fill(ms);

  /** Starts `n` device requests that stay in flight until `release` finishes them (on the spot). */
  async function hold(n: number): Promise<{ release(): Promise<void> }> {
    waiting = [];
    const responses = Array.from({ length: n }, () =>
      app.inject({ url: '/v1/device', headers: { 'x-held': 'yes' } }),
    );
    while (waiting.length < n) await new Promise((resolve) => setImmediate(resolve));
    const finish = [...waiting];
    return {
      release: async () => {
        finish.forEach((f) => f());
        for (const res of responses) expect((await res).statusCode).toBe(200);
      },
    };
  }

  /** An overloaded process: a slow interval that served `n`, and `n` requests in flight. */
  async function overloaded(n = SHED_MIN_SERVED): Promise<{ release(): Promise<void> }> {
    await served(slow(n, 150));
    const held = await hold(n);
    handled = [];
    return held;
  }

  beforeEach(async () => {
    t = 10_000;
    handled = [];
    warnings = [];
    answered = [];
    metrics = new Metrics('api');
    app = await build(100);
  });
  afterEach(() => app.close());

  it('should answer device requests 503 in the error shape, with a Retry-After, without running them', async () => {
    const held = await overloaded();
    const res = await app.inject({ method: 'POST', url: '/v1/certificates', payload: { csr: 'x' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const retryAfter = Number(res.headers['retry-after']);
    expect(res.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `The server is overloaded; nothing was changed. Try again in ${retryAfter} s.`,
      requestId: res.json().requestId,
    });
    expect(res.json().requestId).toMatch(/^req-/);
    // Only the request turned away is marked so (the access log leaves it out).
    expect(answered.filter((a) => a.shed)).toEqual([{ status: 503, shed: true }]);
    expect(answered.filter((a) => !a.shed).map((a) => a.status)).toEqual(Array(SHED_MIN_SERVED).fill(200));
    expect(retryAfter).toBeGreaterThanOrEqual(SHED_RETRY_AFTER_SECONDS.min);
    expect(retryAfter).toBeLessThanOrEqual(SHED_RETRY_AFTER_SECONDS.max);
    expect(handled).toEqual([]);
    expect(
      (await metrics.registry.getSingleMetric('fleetcert_http_requests_shed_total')!.get()).values[0].value,
    ).toBe(1);
    expect(warnings).toEqual([
      expect.objectContaining({
        fastestRequestMs: 150,
        queueDelayTargetMs: 100,
        inFlight: SHED_MIN_SERVED,
        shed: 1,
      }),
    ]);
    await held.release();
  });

  it('should take as many requests at a time as the last interval served, and turn away the rest', async () => {
    await served(slow(12, 150));
    const eleven = await hold(11);
    handled = [];
    // The twelfth is taken (11 in flight < 12 served), the thirteenth is not.
    const twelfth = app.inject({ url: '/v1/device', headers: { 'x-held': 'yes' } });
    while (handled.length < 1) await new Promise((resolve) => setImmediate(resolve));
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(503);
    expect(handled).toEqual(['device']);
    waiting.forEach((finish) => finish());
    expect((await twelfth).statusCode).toBe(200);
    await eleven.release();
    // Finished, they are no longer in flight: room for more.
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(200);
  });

  it('should take what it finishes within a longer target: twice the interval, twice as many', async () => {
    await app.close();
    app = await build(2 * SHED_INTERVAL_MS);
    await served(slow(10, 3 * SHED_INTERVAL_MS)); // 10 served, each over the 200 ms target
    const twenty = await hold(20); // all taken: hold waits for each to reach its handler
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(503);
    await twenty.release();
  });

  it('should keep serving operators, health and the CA while shedding device requests', async () => {
    const held = await overloaded();
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(503);
    for (const url of ['/v1/admin/fleet/status', '/health', '/.well-known/acme-challenge/abc']) {
      expect((await app.inject({ url })).statusCode).toBe(200);
    }
    expect(handled).toEqual(['admin', 'health', 'challenge']);
    await held.release();
  });

  it('should spread Retry-After over its range', async () => {
    const seen = new Set<string>();
    for (const r of [0, 0.999]) {
      await app.close();
      app = await build(100, () => r);
      const held = await overloaded();
      seen.add(String((await app.inject({ url: '/v1/device' })).headers['retry-after']));
      await held.release();
    }
    expect(seen).toEqual(
      new Set([String(SHED_RETRY_AFTER_SECONDS.min), String(SHED_RETRY_AFTER_SECONDS.max)]),
    );
  });

  it('should serve again once an interval has drained the queue', async () => {
    const held = await overloaded();
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(503);
    await held.release(); // finished at once: within the target
    t += SHED_INTERVAL_MS;
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(200);
  });

  it('should not shed after a burst, or when too few requests were slow to show a queue', async () => {
    // Finishing in one interval, one of them within the target: some requests waited, no queue stood.
    await served([...slow(20, 190), 100]);
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(200);

    t += SHED_INTERVAL_MS;
    await served(slow(SHED_MIN_SERVED - 1, 5_000));
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(200);
  });

  it('should not count slow operator requests as a device queue', async () => {
    await served(slow(20, 500), '/v1/admin/fleet/status');
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(200);
  });

  it('should never shed when turned off (0)', async () => {
    await app.close();
    app = await build(0);
    await served(slow(50, 10_000));
    expect((await app.inject({ url: '/v1/device' })).statusCode).toBe(200);
  });
});

describe(isSheddableRoute.name, () => {
  it.each([
    ['/v1/certificates', true],
    ['/v1/certificates/:id', true],
    ['/v1/device', true],
    ['/v1/device/challenges', true],
    ['/v1/admin/devices', false],
    ['/v1/admin', false],
    ['/health', false],
    ['/metrics', false],
    ['/.well-known/acme-challenge/:token', false],
    ['/', false],
    [undefined, false],
  ])('%s → %s', (route, expected) => {
    expect(isSheddableRoute(route)).toBe(expected);
  });
});
