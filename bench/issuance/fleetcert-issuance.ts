import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { Client } from 'pg';
import { ISSUANCE_QUEUE } from '@fleetcert/queue';
import { PostgresBackendCpu, RedisServerCpu } from '../support/dependency-cpu';
import type { BenchDatabase, EnrolledDevice } from '../support/bench-stack';
import { REDIS_URL } from '../support/bench-stack';
import type { FleetcertProcess } from '../support/fleetcert-process';
import { loadNow } from '../support/machine';
import { meanStepMs, orderStepTotals, workerMetricsUrl } from '../support/order-steps';
import { inProfileWindow } from '../support/profile-windows';
import { CpuMeter, MiB, RssSampler, startMachineWindow, usageSeconds } from '../support/proc';
import { fetchCertificate, submitCsr } from '../support/device-client';
import { waitForRequests } from '../support/wait-for-requests';
import { mapLimit, percentile, perSecond, summarize } from '../support/stats';
import type { IssuanceResult } from './issuance-result';

/** No order finishing for this long means the CA has stopped answering. */

export interface FleetcertIssuanceOptions {
  apiUrl: string;
  api: FleetcertProcess;
  worker: FleetcertProcess;
  db: BenchDatabase;
  /** The benchmark's own connection to the bench database (its backend is not counted). */
  pg: Client;
  devices: readonly EnrolledDevice[];
  /** One CSR per device, same order, made beforehand (devices make their keys, not fleetcert). */
  csrs: readonly string[];
  workerConcurrency: number;
  timeoutMs?: number;
}

/**
 * fleetcert as a fleet uses it: every device posts its CSR at once, the worker issues, and
 * each device fetches its chain once. Latency is from a device's POST to the moment its
 * certificate was stored (`completedAt`); CPU is the API's and the worker's, from /proc.
 */
export async function runFleetcertIssuance(o: FleetcertIssuanceOptions): Promise<IssuanceResult> {
  const load = loadNow();
  const redis = new Redis(REDIS_URL);
  const cpu = new CpuMeter({ api: o.api.pid, worker: o.worker.pid });
  const rss = new RssSampler({ api: o.api.pid, worker: o.worker.pid });
  const postgres = await new PostgresBackendCpu(o.pg, o.db.name).start();
  const redisCpu = await new RedisServerCpu(redis).start();
  cpu.start();
  rss.start();
  try {
    return await inProfileWindow(`fleetcert issuance, concurrency ${o.workerConcurrency}`, () =>
      measure(o, { cpu, rss, postgres, redisCpu, redis, load }),
    );
  } finally {
    postgres.cancel();
    rss.stop();
    redis.disconnect();
  }
}

async function measure(
  o: FleetcertIssuanceOptions,
  m: {
    cpu: CpuMeter;
    rss: RssSampler;
    postgres: PostgresBackendCpu;
    redisCpu: RedisServerCpu;
    redis: Redis;
    load: string;
  },
): Promise<IssuanceResult> {
  const { cpu, rss, postgres, redisCpu, redis, load } = m;
  const workerMetrics = workerMetricsUrl(o.worker.logFile);
  const stepsBefore = await orderStepTotals(workerMetrics);
  const t0 = Date.now();
  // The simulated devices run in this process: their CPU is reported, not counted as fleetcert's.
  const devicesCpu0 = process.cpuUsage();
  const endMachineWindow = startMachineWindow();
  // Devices submit at once, and retry a 5xx like the reference agent would (each retry is
  // counted and reported: under this burst the API should not fail at all).
  const retried: Record<string, number> = {};
  const submitted = await mapLimit(o.devices, 50, async (device, i) => {
    const at = Date.now();
    const id = await submitCsr(
      o.apiUrl,
      device,
      o.csrs[i],
      (status) => (retried[status] = (retried[status] ?? 0) + 1),
    );
    return { id, at };
  });
  const ids = submitted.map((s) => s.id);
  const burst = { ms: Date.now() - t0, cpu: cpu.stop(), devicesCpu: process.cpuUsage(devicesCpu0) };

  await waitForRequests(o.pg, ids, 'fleetcert', o.timeoutMs ?? 15 * 60_000);
  const machine = endMachineWindow();
  const { rows } = await o.pg.query<{ id: string; status: string; completed: Date }>(
    `SELECT id, status::text, "completedAt" AS completed FROM certificate_requests WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));

  // Every device fetches its chain once: part of the flow and of the API's CPU.
  const fetched = await mapLimit(o.devices, 50, async (device, i) => {
    const body = await fetchCertificate(o.apiUrl, device, ids[i]);
    return body.status === 'valid' && body.certificate?.includes('BEGIN CERTIFICATE') === true;
  });

  const used = cpu.stop();
  const devicesCpu = process.cpuUsage(devicesCpu0);
  const peak = rss.stop();
  const postgresCpu = await postgres.stop();
  const redisServer = await redisCpu.stop();
  const orders = await orderDurations(redis, o.db.redisPrefix, new Set(ids));
  const orderMs = orders.map((order) => order.ms);
  // Orders that ran beside the submission burst, against the rest: what the burst costs the worker.
  const burstEnd = t0 + burst.ms;
  const duringBurst = orders.filter((order) => order.startedAt < burstEnd).map((order) => order.ms);
  const afterBurst = orders.filter((order) => order.startedAt >= burstEnd).map((order) => order.ms);
  const orderStepMs = meanStepMs(stepsBefore, await orderStepTotals(workerMetrics));

  const valid = submitted.filter((s, i) => byId.get(s.id)?.status === 'valid' && fetched[i]);
  const lastDone = Math.max(...valid.map((s) => byId.get(s.id)!.completed.getTime()));
  return {
    tool: 'fleetcert',
    concurrency: o.workerConcurrency,
    requested: o.devices.length,
    succeeded: valid.length,
    wallSeconds: (lastDone - t0) / 1000,
    latencyMs: summarize(valid.map((s) => byId.get(s.id)!.completed.getTime() - s.at)),
    orderMs: summarize(orderMs),
    cpuSeconds: used.api + used.worker,
    cpuBreakdown: used,
    dependencyCpu: { postgres: postgresCpu, redisServer },
    machine,
    peakRssMiB: { api: peak.api / MiB, worker: peak.worker / MiB },
    orderStepMs,
    load,
    notes: [
      ...(valid.length < o.devices.length ? [`${o.devices.length - valid.length} did not end valid`] : []),
      ...Object.entries(retried).map(
        ([status, n]) => `${n} submissions answered ${status} during the burst and were retried`,
      ),
      `submission burst: ${o.devices.length} submissions in ${(burst.ms / 1000).toFixed(1)} s; CPU meanwhile: API ${burst.cpu.api.toFixed(2)} s, worker ${burst.cpu.worker.toFixed(2)} s, the simulated devices ${usageSeconds(burst.devicesCpu).toFixed(2)} s (${usageSeconds(devicesCpu).toFixed(2)} s over the row, not counted as fleetcert's)`,
      `orders started during the burst: ${duringBurst.length}, p50 ${(percentile(duringBurst, 50) / 1000).toFixed(2)} s; after it: ${afterBurst.length}, p50 ${(percentile(afterBurst, 50) / 1000).toFixed(2)} s`,
      `certificates stored per second of the row: ${perSecond(valid.map((s) => byId.get(s.id)!.completed.getTime() - t0)).join(', ')}`,
    ],
  };
}

/**
 * When each order started once a worker had it, and how long it took (BullMQ's processedOn →
 * finishedOn of its last attempt).
 */
async function orderDurations(
  redis: Redis,
  prefix: string,
  ids: Set<string>,
): Promise<{ startedAt: number; ms: number }[]> {
  const connection = redis.duplicate();
  const queue = new Queue(ISSUANCE_QUEUE, { connection, prefix });
  try {
    const jobs = await queue.getJobs(['completed'], 0, -1);
    return jobs
      .filter((j) => j.id && ids.has(j.id) && j.processedOn && j.finishedOn)
      .map((j) => ({ startedAt: j.processedOn!, ms: j.finishedOn! - j.processedOn! }));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
