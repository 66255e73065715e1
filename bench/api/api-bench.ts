import Redis from 'ioredis';
import { Client } from 'pg';
import type { BenchDatabase, EnrolledDevice } from '../support/bench-stack';
import { enrolDevices, REDIS_URL } from '../support/bench-stack';
import { PostgresBackendCpu, RedisServerCpu } from '../support/dependency-cpu';
import { makeCsrs } from '../support/csrs';
import { cycleFor, LoadResult, sendEachOnce, WRK_THREADS } from '../support/load-generator';
import type { FleetcertProcess } from '../support/fleetcert-process';
import { loadNow } from '../support/machine';
import { CpuMeter, MiB, RssSampler, machineBusySeconds } from '../support/proc';
import { fixed } from '../support/stats';
import { renderTable } from '../support/table';

export interface ApiRun {
  name: string;
  /** API processes serving the port (FLEETCERT_API_PROCESSES). */
  processes: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  connections: number;
  cpuMsPerRequest: number;
  /** CPU of the load generator (the wrk process), per request. */
  loadGeneratorCpuMsPerRequest: number;
  /** CPU of the Postgres backends serving the API, per request. */
  postgresCpuMsPerRequest: number;
  /** CPU of the Redis server (shared with anything else on the machine), per request. */
  redisCpuMsPerRequest: number;
  /** CPU of the whole machine (API, Postgres, Redis, load generator, anything else), per request. */
  machineCpuMsPerRequest: number;
  apiPeakRssMiB: number;
  load: string;
  target: { perSecond: number; p99Ms: number };
}

export interface ApiBenchReport {
  runs: ApiRun[];
  notes: string[];
}

const CONNECTIONS = 32;

/**
 * Part 2: the API process alone (no worker takes jobs), driven over loopback by wrk (a child
 * process, bench/support/load-generator.ts). CSR submissions: every request is a different
 * device with its own fresh CSR (the same CSR again would only return the open request).
 * Fetches: `GET /v1/certificates/{id}` of valid certificates, chain included.
 */
export async function runApiBench(o: {
  api: FleetcertProcess;
  apiUrl: string;
  adminKey: string;
  db: BenchDatabase;
  /** API processes serving the port, for the rows' labels. */
  processes: number;
  submissions: number;
  /** Devices that hold a valid certificate, with its request id. */
  validCertificates: readonly { device: EnrolledDevice; id: string }[];
  log(line: string): void;
}): Promise<ApiBenchReport> {
  const warmupCount = Math.min(1000, Math.ceil(o.submissions / 10));
  const total = o.submissions + warmupCount;
  o.log(`API: enrolling ${total} devices and making their CSRs`);
  // Each process count's run enrols devices of its own (labels are unique in a fleet).
  const labels = Array.from({ length: total }, (_, i) => `api${o.processes}x${String(i).padStart(6, '0')}`);
  const devices = await enrolDevices(o.apiUrl, o.adminKey, labels);
  const csrs = await makeCsrs(devices.map((d) => d.hostname));

  const runs: ApiRun[] = [];
  // Warm-up (JIT, connection pools), not recorded.
  await submissions(o.apiUrl, devices.slice(0, warmupCount), csrs.slice(0, warmupCount));
  const label = `API (${o.processes} process${o.processes > 1 ? 'es' : ''})`;
  o.log(`${label}: ${o.submissions} CSR submissions, ${CONNECTIONS} connections`);
  runs.push(
    await measured(
      o.api,
      o.db,
      o.processes,
      'POST /v1/certificates (new CSR)',
      { perSecond: 1500, p99Ms: 50 },
      () => submissions(o.apiUrl, devices.slice(warmupCount), csrs.slice(warmupCount)),
    ),
  );
  o.log(line(runs.at(-1)!));

  if (o.validCertificates.length) {
    await fetches(o.apiUrl, o.validCertificates, 3);
    o.log(`${label}: GET /v1/certificates/{id} for ${o.validCertificates.length} valid certificates, 10 s`);
    runs.push(
      await measured(
        o.api,
        o.db,
        o.processes,
        'GET /v1/certificates/{id} (valid)',
        { perSecond: 5000, p99Ms: 20 },
        () => fetches(o.apiUrl, o.validCertificates, 10),
      ),
    );
    o.log(line(runs.at(-1)!));
  }
  return {
    runs,
    notes: [
      `wrk (${WRK_THREADS} thread${WRK_THREADS > 1 ? 's' : ''}, ${CONNECTIONS} connections, a child process) runs on the same 2 cores as the API: its CPU per request is the load generator column`,
      'API logs at its production level (info, one line per request) to a file',
    ],
  };
}

async function measured(
  api: FleetcertProcess,
  db: BenchDatabase,
  processes: number,
  name: string,
  target: ApiRun['target'],
  run: () => Promise<LoadResult>,
): Promise<ApiRun> {
  const load = loadNow();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const redis = new Redis(REDIS_URL);
  const postgres = await new PostgresBackendCpu(pg, db.name).start();
  const redisCpu = await new RedisServerCpu(redis).start();
  const cpu = new CpuMeter({ api: api.pid }).start();
  const rss = new RssSampler({ api: api.pid }).start();
  const machineBefore = machineBusySeconds();
  const result = await run();
  const machineUsed = machineBusySeconds() - machineBefore;
  const used = cpu.stop().api;
  const peak = rss.stop().api;
  const postgresUsed = await postgres.stop();
  const redisUsed = await redisCpu.stop();
  redis.disconnect();
  await pg.end();
  const count = result.requests.total;
  return {
    name,
    processes,
    requests: count,
    perSecond: count / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    connections: CONNECTIONS,
    cpuMsPerRequest: (used / count) * 1000,
    postgresCpuMsPerRequest: (postgresUsed / count) * 1000,
    redisCpuMsPerRequest: (redisUsed / count) * 1000,
    loadGeneratorCpuMsPerRequest: (result.cpuSeconds / count) * 1000,
    machineCpuMsPerRequest: (machineUsed / count) * 1000,
    apiPeakRssMiB: peak / MiB,
    load,
    target,
  };
}

/** Each device submits its CSR exactly once; the result counts these requests only. */
function submissions(
  apiUrl: string,
  devices: readonly EnrolledDevice[],
  csrs: readonly string[],
): Promise<LoadResult> {
  return sendEachOnce({
    url: apiUrl,
    connections: CONNECTIONS,
    timeoutSeconds: 30,
    requests: devices.map((device, i) => ({
      method: 'POST',
      path: '/v1/certificates',
      headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr: csrs[i] }),
    })),
  });
}

function fetches(
  apiUrl: string,
  valid: readonly { device: EnrolledDevice; id: string }[],
  seconds: number,
): Promise<LoadResult> {
  return cycleFor({
    url: apiUrl,
    connections: CONNECTIONS,
    seconds,
    timeoutSeconds: 30,
    requests: valid.map(({ device, id }) => ({
      method: 'GET',
      path: `/v1/certificates/${id}`,
      headers: { authorization: `Bearer ${device.token}` },
    })),
  });
}

function line(r: ApiRun): string {
  return `  → ${r.requests} requests: ${r.perSecond.toFixed(0)}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}, ${r.cpuMsPerRequest.toFixed(2)} API CPU-ms/request (Postgres ${r.postgresCpuMsPerRequest.toFixed(2)}, Redis ${r.redisCpuMsPerRequest.toFixed(2)}, load generator ${r.loadGeneratorCpuMsPerRequest.toFixed(2)}, whole machine ${r.machineCpuMsPerRequest.toFixed(2)}), API RSS ${r.apiPeakRssMiB.toFixed(0)} MiB (load ${r.load})`;
}

export function apiTable(report: ApiBenchReport): string {
  return renderTable(
    [
      'request',
      'API processes',
      'requests',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'non-2xx',
      'errors',
      'API CPU ms/req',
      'Postgres CPU ms/req',
      'Redis CPU ms/req',
      'load generator CPU ms/req',
      'machine CPU ms/req',
      'API peak RSS MiB',
      'target',
      'verdict',
      'load at start',
    ],
    report.runs.map((r) => [
      r.name,
      String(r.processes),
      String(r.requests),
      fixed(r.perSecond, 0),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.maxMs),
      String(r.non2xx),
      String(r.errors),
      fixed(r.cpuMsPerRequest, 2),
      fixed(r.postgresCpuMsPerRequest, 2),
      fixed(r.redisCpuMsPerRequest, 2),
      fixed(r.loadGeneratorCpuMsPerRequest, 2),
      fixed(r.machineCpuMsPerRequest, 2),
      fixed(r.apiPeakRssMiB, 0),
      `≥ ${r.target.perSecond}/s at p99 ≤ ${r.target.p99Ms} ms`,
      r.perSecond >= r.target.perSecond && r.p99Ms <= r.target.p99Ms && r.non2xx === 0 ? 'met' : 'MISSED',
      r.load,
    ]),
  );
}
