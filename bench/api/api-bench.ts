import Redis from 'ioredis';
import type { BenchDatabase, EnrolledDevice } from '../support/bench-stack';
import { connectToBenchDatabase, enrolDevices, REDIS_URL } from '../support/bench-stack';
import { PostgresBackendCpu, RedisServerCpu } from '../support/dependency-cpu';
import { makeCsrs } from '../support/csrs';
import { cycleFor, LoadResult, sendEachOnce, WRK_THREADS } from '../support/load-generator';
import type { FleetcertProcess } from '../support/fleetcert-process';
import { loadNow } from '../support/machine';
import { CpuMeter, MiB, RssSampler, startMachineWindow } from '../support/proc';
import { gcBetween, gcTotals } from '../support/gc-pauses';
import { inProfileWindow } from '../support/profile-windows';
import { describeSlowWindows } from '../support/paced-windows';
import { fixed } from '../support/stats';
import { renderTable } from '../support/table';

export interface ApiRun {
  name: string;
  /**
   * Requests a second offered on a fixed schedule (open loop; latency counts from when each
   * request was due), or undefined for a closed loop: 32 connections, each sending its next
   * request when the last is answered, which measures the most the API answers, with the
   * latency of a saturated machine.
   */
  offeredPerSecond?: number;
  /** API processes serving the port (FLEETCERT_API_PROCESSES). */
  processes: number;
  requests: number;
  /** Successful (2xx) answers per second: requests shed as overload (503) do not count. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Paced rows: p99 from each request's send (what a closed-loop tool would report). */
  p99FromSendMs?: number;
  /** Paced rows: p99 of the 2xx answers alone, from when each was due. */
  p99OkMs?: number;
  /**
   * Paced rows: the slowest answer (ms from when due) among the requests due in each 100 ms
   * of the schedule (bench/support/paced-windows.ts).
   */
  windowMaxMs?: number[];
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
  /** The API's garbage collection during the row: time a second, and pauses over 10 and 100 ms. */
  gc: { msPerSecond: number; over10ms: number; over100ms: number; over10msByKind: Record<string, number> };
  load: string;
  target: { perSecond: number; p99Ms: number };
}

export interface ApiBenchReport {
  runs: ApiRun[];
  notes: string[];
}

const CONNECTIONS = 32;
/**
 * Connections of a paced row: enough that requests never wait for a free one at the target
 * rates unless the API falls behind (at 5,000/s and 10 ms each, 50 are busy).
 */
const PACED_CONNECTIONS = 128;

/** The issue's targets: a rate, and the p99 latency at that rate. */
const SUBMISSION_TARGET = { perSecond: 1500, p99Ms: 50 };
const FETCH_TARGET = { perSecond: 5000, p99Ms: 20 };

/**
 * Part 2: the API process alone (no worker takes jobs), driven over loopback by wrk (a child
 * process, bench/support/load-generator.ts). CSR submissions: every request is a different
 * device with its own fresh CSR (the same CSR again would only return the open request).
 * Fetches: `GET /v1/certificates/{id}` of valid certificates, chain included.
 *
 * Each kind runs twice: closed loop (the most the API answers; its latency is that of a
 * saturated machine) and paced at the target rate (open loop, as wrk2 does: the p99 the
 * target names, at the rate it names, with waits for a free connection counted).
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
  // Warm-up, the closed-loop row, then the paced row: each submission is a new device's.
  const total = warmupCount + 2 * o.submissions;
  o.log(`API: enrolling ${total} devices and making their CSRs`);
  // Each process count's run enrols devices of its own (labels are unique in a fleet).
  const labels = Array.from({ length: total }, (_, i) => `api${o.processes}x${String(i).padStart(6, '0')}`);
  const devices = await enrolDevices(o.apiUrl, o.adminKey, labels);
  const csrs = await makeCsrs(devices.map((d) => d.hostname));

  const runs: ApiRun[] = [];
  // Warm-up (JIT, connection pools), not recorded.
  await submissions(o.apiUrl, devices.slice(0, warmupCount), csrs.slice(0, warmupCount));
  const label = `API (${o.processes} process${o.processes > 1 ? 'es' : ''})`;
  // A row: `offeredPerSecond` undefined runs it closed loop, a rate paces it at that rate.
  const measure = (
    name: string,
    target: ApiRun['target'],
    offeredPerSecond: number | undefined,
    run: (ratePerSecond: number | undefined) => Promise<LoadResult>,
  ) => measured(o, name, target, offeredPerSecond, () => run(offeredPerSecond));

  // Each pass submits for devices of its own: the closed-loop row, then the paced one.
  for (const [pass, rate] of [undefined, SUBMISSION_TARGET.perSecond].entries()) {
    const from = warmupCount + pass * o.submissions;
    const to = from + o.submissions;
    o.log(`${label}: ${o.submissions} CSR submissions, ${pacing(rate)}`);
    runs.push(
      await measure('POST /v1/certificates (new CSR)', SUBMISSION_TARGET, rate, (r) =>
        submissions(o.apiUrl, devices.slice(from, to), csrs.slice(from, to), r),
      ),
    );
    o.log(line(runs.at(-1)!));
  }

  if (o.validCertificates.length) {
    await fetches(o.apiUrl, o.validCertificates, 3);
    for (const rate of [undefined, FETCH_TARGET.perSecond]) {
      o.log(
        `${label}: GET /v1/certificates/{id} for ${o.validCertificates.length} valid certificates, 10 s, ${pacing(rate)}`,
      );
      runs.push(
        await measure('GET /v1/certificates/{id} (valid)', FETCH_TARGET, rate, (r) =>
          fetches(o.apiUrl, o.validCertificates, 10, r),
        ),
      );
      o.log(line(runs.at(-1)!));
    }
  }
  return {
    runs,
    notes: [
      `wrk (${WRK_THREADS} thread${WRK_THREADS > 1 ? 's' : ''}, a child process) runs on the same 2 cores as the API: its CPU per request is the load generator column`,
      `offered "max": closed loop, ${CONNECTIONS} connections each sending when answered: the most the API answers, and the latency of a saturated machine; verdict on the rate alone`,
      `offered N/s: paced (open loop, ${PACED_CONNECTIONS} connections): request k is due at start + k/N and its latency counts from then, so a stall counts against every request it held up; verdict: at least 97% of N answered a second, p99 within the target, no errors; "p99 from send" is the same requests timed from their send, as a closed-loop tool would; "p99 2xx" the successful answers alone, from when due`,
      'API logs at its production level (info, one line per request) to a file',
      '2xx/s counts successful answers only; with overload shedding on (the default, FLEETCERT_HTTP_SHED_QUEUE_DELAY_MS=1000), a paced rate above what the API serves shows as non-2xx (503 with Retry-After, nothing stored), and p50/p99 cover every answer, 503s included',
    ],
  };
}

interface MeasuredApi {
  api: FleetcertProcess;
  apiUrl: string;
  db: BenchDatabase;
  processes: number;
}

async function measured(
  { api, apiUrl, db, processes }: MeasuredApi,
  name: string,
  target: ApiRun['target'],
  offeredPerSecond: number | undefined,
  run: () => Promise<LoadResult>,
): Promise<ApiRun> {
  const load = loadNow();
  const gcBefore = await gcTotals(apiUrl);
  const pg = await connectToBenchDatabase(db);
  const redis = new Redis(REDIS_URL);
  const postgres = await new PostgresBackendCpu(pg, db.name).start();
  const redisCpu = await new RedisServerCpu(redis).start();
  const cpu = new CpuMeter({ api: api.pid }).start();
  const rss = new RssSampler({ api: api.pid }).start();
  const endMachineWindow = startMachineWindow();
  const result = await inProfileWindow(
    `${name}, ${pacing(offeredPerSecond)}, ${processes} API process${processes > 1 ? 'es' : ''}`,
    run,
  );
  const machineUsed = endMachineWindow().busySeconds;
  const used = cpu.stop().api;
  const peak = rss.stop().api;
  const postgresUsed = await postgres.stop();
  const redisUsed = await redisCpu.stop();
  redis.disconnect();
  await pg.end();
  const gc = gcBetween(gcBefore, await gcTotals(apiUrl));
  const count = result.requests.total;
  return {
    name,
    offeredPerSecond: result.paced?.offeredPerSecond,
    processes,
    requests: count,
    perSecond: (count - result.non2xx) / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    p99FromSendMs: result.paced?.fromSend.p99,
    p99OkMs: result.paced?.ok.p99,
    windowMaxMs: result.paced?.windowMaxMs,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    connections: result.paced ? PACED_CONNECTIONS : CONNECTIONS,
    cpuMsPerRequest: (used / count) * 1000,
    postgresCpuMsPerRequest: (postgresUsed / count) * 1000,
    redisCpuMsPerRequest: (redisUsed / count) * 1000,
    loadGeneratorCpuMsPerRequest: (result.cpuSeconds / count) * 1000,
    machineCpuMsPerRequest: (machineUsed / count) * 1000,
    apiPeakRssMiB: peak / MiB,
    gc: {
      msPerSecond: (gc.seconds * 1000) / result.duration,
      over10ms: gc.over10ms,
      over100ms: gc.over100ms,
      over10msByKind: gc.over10msByKind,
    },
    load,
    target,
  };
}

/**
 * Each device submits its CSR exactly once; the result counts these requests only. With a
 * rate, paced at it; without, as fast as the API answers.
 */
function submissions(
  apiUrl: string,
  devices: readonly EnrolledDevice[],
  csrs: readonly string[],
  ratePerSecond?: number,
): Promise<LoadResult> {
  return sendEachOnce({
    url: apiUrl,
    connections: ratePerSecond ? PACED_CONNECTIONS : CONNECTIONS,
    ratePerSecond,
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
  ratePerSecond?: number,
): Promise<LoadResult> {
  return cycleFor({
    url: apiUrl,
    connections: ratePerSecond ? PACED_CONNECTIONS : CONNECTIONS,
    ratePerSecond,
    seconds,
    timeoutSeconds: 30,
    requests: valid.map(({ device, id }) => ({
      method: 'GET',
      path: `/v1/certificates/${id}`,
      headers: { authorization: `Bearer ${device.token}` },
    })),
  });
}

/**
 * For each paced row, where in its schedule the answers over the target's p99 were due: a
 * few stretches a second apart are stalls (the collector, other work); many windows a
 * steady tail.
 */
export function pacedWindowLines(report: ApiBenchReport): string[] {
  return report.runs
    .filter((r) => r.windowMaxMs !== undefined)
    .map(
      (r) =>
        `${r.name}, ${r.processes} API process${r.processes > 1 ? 'es' : ''}, ${pacing(r.offeredPerSecond)}: ${describeSlowWindows(r.windowMaxMs!, r.target.p99Ms)}`,
    );
}

/** How a row sends: "closed loop", or "paced at N/s". */
function pacing(ratePerSecond: number | undefined): string {
  return ratePerSecond === undefined ? 'closed loop' : `paced at ${ratePerSecond}/s`;
}

/** Whether a row meets its target: see the report's notes. */
export function apiVerdict(r: ApiRun): 'met' | 'MISSED' {
  const clean = r.non2xx === 0 && r.errors === 0;
  if (r.offeredPerSecond === undefined) return clean && r.perSecond >= r.target.perSecond ? 'met' : 'MISSED';
  return clean && r.perSecond >= 0.97 * r.offeredPerSecond && r.p99Ms <= r.target.p99Ms ? 'met' : 'MISSED';
}

function offered(r: ApiRun): string {
  return r.offeredPerSecond === undefined ? 'max' : `${r.offeredPerSecond}/s`;
}

function line(r: ApiRun): string {
  const p99 =
    r.p99FromSendMs === undefined
      ? `${r.p99Ms} ms`
      : `${r.p99Ms} ms (from send ${r.p99FromSendMs} ms, 2xx alone ${r.p99OkMs} ms; ${describeSlowWindows(r.windowMaxMs ?? [], r.target.p99Ms)})`;
  return `  → offered ${offered(r)}, ${r.requests} requests: ${r.perSecond.toFixed(0)} 2xx/s, p50 ${r.p50Ms} ms, p99 ${p99}, non-2xx ${r.non2xx}, errors ${r.errors}, ${r.cpuMsPerRequest.toFixed(2)} API CPU-ms/request (Postgres ${r.postgresCpuMsPerRequest.toFixed(2)}, Redis ${r.redisCpuMsPerRequest.toFixed(2)}, load generator ${r.loadGeneratorCpuMsPerRequest.toFixed(2)}, whole machine ${r.machineCpuMsPerRequest.toFixed(2)}), API RSS ${r.apiPeakRssMiB.toFixed(0)} MiB, GC ${r.gc.msPerSecond.toFixed(0)} ms/s with ${r.gc.over10ms} pauses > 10 ms (${Object.entries(
    r.gc.over10msByKind,
  )
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ')}) and ${r.gc.over100ms} > 100 ms (load ${r.load})`;
}

export function apiTable(report: ApiBenchReport): string {
  return renderTable(
    [
      'request',
      'API processes',
      'offered',
      'requests',
      '2xx/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'p99 from send ms',
      'p99 2xx ms',
      'non-2xx',
      'errors',
      'API CPU ms/req',
      'Postgres CPU ms/req',
      'Redis CPU ms/req',
      'load generator CPU ms/req',
      'machine CPU ms/req',
      'API peak RSS MiB',
      'API GC ms/s',
      'GC pauses > 10 / 100 ms',
      'target',
      'verdict',
      'load at start',
    ],
    report.runs.map((r) => [
      r.name,
      String(r.processes),
      offered(r),
      String(r.requests),
      fixed(r.perSecond, 0),
      String(r.p50Ms),
      String(r.p99Ms),
      String(r.maxMs),
      r.p99FromSendMs === undefined ? '—' : String(r.p99FromSendMs),
      r.p99OkMs === undefined ? '—' : String(r.p99OkMs),
      String(r.non2xx),
      String(r.errors),
      fixed(r.cpuMsPerRequest, 2),
      fixed(r.postgresCpuMsPerRequest, 2),
      fixed(r.redisCpuMsPerRequest, 2),
      fixed(r.loadGeneratorCpuMsPerRequest, 2),
      fixed(r.machineCpuMsPerRequest, 2),
      fixed(r.apiPeakRssMiB, 0),
      fixed(r.gc.msPerSecond, 0),
      `${r.gc.over10ms} / ${r.gc.over100ms}`,
      `≥ ${r.target.perSecond}/s at p99 ≤ ${r.target.p99Ms} ms`,
      apiVerdict(r),
      r.load,
    ]),
  );
}
