import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { type Bind9Handle, startBind9 } from '../support/bind9';
import { testEnv, type TestEnv } from '../support/config';
import { isolatedDatabase } from '../support/isolated-database';
import { metricValue } from '../support/prometheus';
import { waitFor } from '../support/wait-for';
import { unusedLoopbackPort } from '../support/unused-port';
import { hasExited } from '../../scripts/app-process';

const ENTRY = join(__dirname, '../../dist/apps/api/src/main.js');
const CLI = join(__dirname, '../../dist/apps/api/src/cli.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** One request on a connection of its own, so that `node:cluster` hands it to the next worker. */
function call(
  port: number,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          ...(opts.token && { authorization: `Bearer ${opts.token}` }),
          ...(body && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // metrics are text
          }
          resolve({ status: res.statusCode!, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The processes a primary started: its children, as the kernel lists them. */
function workersOf(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? children.split(' ').map(Number) : [];
  } catch {
    return [];
  }
}

/** Requests counted by route, summed over methods, statuses and processes. */
const REQUESTS = 'fleetcert_http_request_duration_seconds_count';

/**
 * The real API entry point with `FLEETCERT_API_PROCESSES=2`: a primary and two workers
 * sharing one port, as `npm run start:api` runs it.
 */
describe('a clustered API (FLEETCERT_API_PROCESSES=2)', () => {
  const ZONE = 'cluster.fleet.test';
  let db: { url: string; drop(): Promise<void> };
  let bind: Bind9Handle;
  let env: TestEnv;
  let port: number;
  let primary: ChildProcess;
  let exited: Promise<[number | null, string | null]>;
  let output = '';
  let adminKey: string;

  beforeAll(async () => {
    if (!existsSync(ENTRY))
      throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does)`);
    db = await isolatedDatabase('cluster');
    bind = await startBind9({ zone: ZONE });
    port = await unusedLoopbackPort();
    env = testEnv({
      DATABASE_URL: db.url,
      FLEETCERT_FLEET_NAME: 'cluster',
      FLEETCERT_FLEET_ZONE: ZONE,
      FLEETCERT_DNS_SERVER: `${bind.host}:${bind.port}`,
      FLEETCERT_DNS_TSIG_KEY_NAME: bind.tsig.name,
      FLEETCERT_DNS_TSIG_ALGORITHM: bind.tsig.algorithm,
      FLEETCERT_DNS_TSIG_SECRET: bind.tsig.secret,
      FLEETCERT_API_PROCESSES: '2',
      FLEETCERT_HTTP_PORT: String(port),
      FLEETCERT_LOG_LEVEL: 'info',
    });
    const created = execFileSync(process.execPath, [CLI, 'operator:create', '--name', 'cluster-admin'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    adminKey = /^\s+(fco_\S+)$/m.exec(created)?.[1] ?? '';
    expect(adminKey).not.toBe('');

    primary = spawn(process.execPath, [ENTRY], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = once(primary, 'exit') as Promise<[number | null, string | null]>;
    await waitFor(
      async () => (output.match(/fleetcert API listening/g) ?? []).length,
      (listening) => listening === 2,
      { what: `both workers to listen; output so far:\n${output}` },
    );
  }, 60_000);

  afterAll(async () => {
    if (!hasExited(primary)) {
      primary.kill('SIGTERM');
      await exited;
    }
    await db.drop();
    await bind?.stop();
  });

  it('should run two workers behind one port, and sum their metrics', async () => {
    expect(workersOf(primary.pid!)).toHaveLength(2);
    const before =
      metricValue((await call(port, 'GET', '/metrics')).body, REQUESTS, { route: '/health' }) ?? 0;
    for (let i = 0; i < 40; i++) expect((await call(port, 'GET', '/health')).status).toBe(200);
    const metrics = (await call(port, 'GET', '/metrics')).body as string;
    // Each worker counted about half: only the sum over both is all 40.
    expect((metricValue(metrics, REQUESTS, { route: '/health' }) ?? 0) - before).toBe(40);
    // A process-wide value is kept once, not summed into nonsense.
    expect(metrics.match(/^fleetcert_nodejs_version_info\{.*\} (\d+)$/m)?.[1]).toBe('1');
  });

  it('should refuse a rotated token in every worker as soon as the rotation is answered', async () => {
    const device = await call(port, 'POST', '/v1/admin/devices', { token: adminKey, body: {} });
    expect(device.status).toBe(201);
    let token: string = device.body.token;
    for (let round = 0; round < 5; round++) {
      // Both workers authenticate the token, so both hold it in their read caches.
      for (let i = 0; i < 6; i++) expect((await call(port, 'GET', '/v1/device', { token })).status).toBe(200);
      const rotated = await call(port, 'POST', `/v1/admin/devices/${device.body.id}/rotate-token`, {
        token: adminKey,
      });
      expect(rotated.status).toBe(200);
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () => call(port, 'GET', '/v1/device', { token }).then((r) => r.status)),
      );
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
      token = rotated.body.token;
    }
  });

  it("should show a device's reported addresses in every worker as soon as the report is answered", async () => {
    const device = await call(port, 'POST', '/v1/admin/devices', { token: adminKey, body: {} });
    expect(device.status).toBe(201);
    const token: string = device.body.token;
    for (let round = 1; round <= 5; round++) {
      // Both workers authenticate the device, so both hold it (with its addresses) in their caches.
      for (let i = 0; i < 6; i++) expect((await call(port, 'GET', '/v1/device', { token })).status).toBe(200);
      const ipv4 = `192.168.7.${round}`;
      const reported = await call(port, 'PUT', '/v1/device/addresses', { token, body: { ipv4 } });
      expect(reported.status).toBe(200);
      const seen = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(port, 'GET', '/v1/device', { token }).then((r) => r.body.addresses.ipv4),
        ),
      );
      expect(seen).toEqual(Array(6).fill(ipv4));
    }
  });

  it('should replace a worker that dies', async () => {
    const [victim, survivor] = workersOf(primary.pid!);
    process.kill(victim, 'SIGKILL');
    const replaced = await waitFor(
      async () => workersOf(primary.pid!),
      (pids) => pids.length === 2 && !pids.includes(victim),
      { what: 'a new worker in place of the killed one' },
    );
    expect(replaced).toContain(survivor);
    await waitFor(
      async () => (output.match(/fleetcert API listening/g) ?? []).length,
      (listening) => listening === 3,
      { what: 'the new worker to listen' },
    );
    for (let i = 0; i < 6; i++) expect((await call(port, 'GET', '/health')).status).toBe(200);
    expect(output).toContain('API worker died; replacing it');
  });

  it('should drain its workers and exit 0 on SIGTERM', async () => {
    const workers = workersOf(primary.pid!);
    primary.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    for (const pid of workers) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(output).toContain('API stopped');
  });
});

describe('a clustered API whose workers cannot start', () => {
  it('should give up after three failed starts in a row and exit 1, as one process would', async () => {
    const env = testEnv({
      // A database that does not exist: every worker fails before it listens.
      DATABASE_URL: `${process.env.DATABASE_URL!.replace(/\/[^/]*$/, '')}/fleetcert_missing_${process.pid}`,
      FLEETCERT_API_PROCESSES: '2',
      FLEETCERT_HTTP_PORT: String(await unusedLoopbackPort()),
      FLEETCERT_LOG_LEVEL: 'info',
    });
    const primary = spawn(process.execPath, [ENTRY], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(primary, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(output).toContain('API workers keep failing to start; giving up');
    expect(output).not.toContain('fleetcert API listening');
  }, 60_000);
});
