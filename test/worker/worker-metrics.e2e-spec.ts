import { createServer, Server } from 'node:net';
import { testEnv, TestEnv } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { startWorkerProcess, WorkerProcess } from '../support/worker-process';

describe("The worker's metrics endpoint (real worker process)", () => {
  let worker: WorkerProcess | undefined;
  // A database of its own: a worker's renewal scheduler and reconciler act on every request
  // and certificate they find, and other suites' are in the shared one.
  let database: { url: string; drop(): Promise<void> };
  const env = (overrides: TestEnv) => testEnv({ DATABASE_URL: database.url, ...overrides });

  beforeAll(async () => {
    database = await isolatedDatabase('workermetrics');
  });
  afterEach(() => worker?.stop());
  afterAll(() => database?.drop());

  it('should serve its metrics on GET /metrics, and only there', async () => {
    worker = await startWorkerProcess(env({ FLEETCERT_WORKER_METRICS_PORT: '0' }));
    const url = worker.metricsUrl();

    const res = await fetch(url);
    expect(res.status).toBe(200);
    const text = await res.text();
    // The worker's own series, declared before any order ran, and Node's process metrics.
    for (const name of [
      'fleetcert_acme_order_duration_seconds',
      'fleetcert_dns_propagation_wait_seconds',
      'fleetcert_rate_limit_deferrals_total',
      'fleetcert_renewal_pass_duration_seconds',
      'fleetcert_process_cpu_user_seconds_total',
    ])
      expect(text).toContain(`# TYPE ${name} `);

    const elsewhere = await fetch(url.replace(/\/metrics$/, '/v1/certificates'));
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No /v1/certificates here: the worker serves only /metrics',
    });
    const posted = await fetch(url, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(await posted.json()).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
  });

  it('should serve no metrics when told off', async () => {
    worker = await startWorkerProcess(env({ FLEETCERT_WORKER_METRICS_PORT: 'off' }));
    expect(worker.output()).not.toContain('worker metrics listening');
    expect(() => worker!.metricsUrl()).toThrow(/did not log a metrics address/);
  });

  it('should refuse to start when its metrics port is taken, saying which', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const start = startWorkerProcess(env({ FLEETCERT_WORKER_METRICS_PORT: String(port) }));
      await expect(start).rejects.toThrow(/exited \(1\) before it was ready[\s\S]*EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
