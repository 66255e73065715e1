import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { BenchDatabase, EnrolledDevice, Peers } from '../support/bench-stack';
import { connectToBenchDatabase, enrolDevices, startBenchPebble } from '../support/bench-stack';
import { PEBBLE_ATTEMPTS } from '../support/pebble-stall';
import { makeCsrs } from '../support/csrs';
import { submitCsr } from '../support/device-client';
import type { FleetcertProcess } from '../support/fleetcert-process';
import { CpuMeter } from '../support/proc';
import { fixed, mapLimit } from '../support/stats';
import { renderTable } from '../support/table';
import { checkCertbot, checkLego } from '../support/tools';
import { waitForRequests } from '../support/wait-for-requests';
import { runBareBaseline } from './bare-baseline-run';
import { runFleetcertIssuance } from './fleetcert-issuance';
import { certsPerSecond, cpuPerCert, IssuanceResult, machineNote } from './issuance-result';
import {
  prepareCertbot,
  prepareLego,
  runScriptedTool,
  ScriptedTool,
  wrapperOverheadPerName,
} from './script-tools';

export interface IssuanceBenchOptions {
  peers: Peers;
  db: BenchDatabase;
  apiUrl: string;
  adminKey: string;
  api: FleetcertProcess;
  /** Starts a worker with this concurrency (stopping any earlier one). */
  startWorker(concurrency: number): Promise<FleetcertProcess>;
  count: number;
  /**
   * Names fleetcert and the bare baseline each issue, on the processes they are measured
   * with, before their clock starts: JIT compilation, connection pools, the ACME account.
   */
  warmUp: number;
  /** fleetcert worker concurrencies to run (the baseline runs at each too). */
  concurrencies: number[];
  legoParallel: number[];
  certbotParallel: number[];
  propagationIntervalMs: number;
  workDir: string;
  cpuProfileDir?: string;
  log(line: string): void;
}

export interface IssuanceBenchReport {
  results: IssuanceResult[];
  skipped: string[];
}

/**
 * Part 1: the same names issued by fleetcert, by the bare baseline, by lego and by certbot,
 * one after the other, against the same Pebble and BIND9.
 */
export async function runIssuanceBench(o: IssuanceBenchOptions): Promise<IssuanceBenchReport> {
  const results: IssuanceResult[] = [];
  const skipped: string[] = [];
  const labels = Array.from({ length: o.count }, (_, i) => `d${String(i + 1).padStart(5, '0')}`);
  const names = labels.map((l) => `${l}.${o.peers.zone}`);
  const warmUpLabels = Array.from({ length: o.warmUp }, (_, i) => `w${String(i + 1).padStart(5, '0')}`);
  const warmUpNames = warmUpLabels.map((l) => `${l}.${o.peers.zone}`);
  mkdirSync(o.workDir, { recursive: true });

  o.log(`enrolling ${o.count} devices`);
  const devices = await enrolDevices(o.apiUrl, o.adminKey, labels);
  const warmUpDevices = await enrolDevices(o.apiUrl, o.adminKey, warmUpLabels);
  const pg = await connectToBenchDatabase(o.db);
  try {
    for (const concurrency of o.concurrencies) {
      const worker = await o.startWorker(concurrency);
      // The account registration and the first orders (JIT, connections) happen outside the clock.
      if (o.warmUp > 1) o.log(`fleetcert: warming up with ${o.warmUp} certificates`);
      await issueAll(o.apiUrl, warmUpDevices, await makeCsrs(warmUpNames), pg);
      const csrs = await makeCsrs(names);
      o.log(`fleetcert: ${o.count} certificates, worker concurrency ${concurrency}`);
      results.push(
        await withPeerCpu(o.peers, () =>
          runFleetcertIssuance({
            apiUrl: o.apiUrl,
            api: o.api,
            worker,
            db: o.db,
            pg,
            devices,
            csrs,
            workerConcurrency: concurrency,
          }),
        ),
      );
      noteRow(results.at(-1)!, o.warmUp);
      o.log(line(results.at(-1)!));
      o.log(`bare baseline: ${o.count} certificates, concurrency ${concurrency}`);
      const baselineCsrs = await makeCsrs(names);
      const warmUp = { names: warmUpNames, csrs: await makeCsrs(warmUpNames) };
      results.push(await baselineOnItsOwnPebble(o, names, baselineCsrs, warmUp, concurrency));
      noteRow(results.at(-1)!, o.warmUp);
      o.log(line(results.at(-1)!));
    }

    const scripted: [
      () => ReturnType<typeof checkLego>,
      (p: Peers, d: string) => Promise<ScriptedTool>,
      number[],
    ][] = [
      [checkLego, prepareLego, o.legoParallel],
      [checkCertbot, prepareCertbot, o.certbotParallel],
    ];
    const needsOverhead = o.legoParallel.length + o.certbotParallel.length > 0;
    const overheadPerName = needsOverhead ? await wrapperOverheadPerName(o.workDir, names, 16) : 0;
    for (const [check, prepare, parallels] of scripted) {
      if (parallels.length === 0) continue;
      const status = check();
      if (!status.available) {
        skipped.push(`${status.name}: not installed, rows skipped. Install with: ${status.install}`);
        o.log(skipped.at(-1)!);
        continue;
      }
      for (const parallel of parallels) {
        // A fresh Pebble (same package, same settings, same BIND9) for each scripted row:
        // Pebble 2.4 can deadlock under many concurrent pollers (letsencrypt/pebble#554),
        // and one wedged row must not fail every row after it.
        const pebble = await startBenchPebble(o.peers.bind, o.peers.pebbleThreads);
        try {
          const peers = { ...o.peers, pebble };
          const tool = await prepare(peers, join(o.workDir, `${status.name}-p${parallel}-setup`));
          o.log(`${tool.tool}: ${o.count} certificates, xargs -P ${parallel}`);
          results.push(
            await withPeerCpu(peers, () =>
              runScriptedTool({ tool, parallel, names, workDir: o.workDir, overheadPerName }),
            ),
          );
          o.log(line(results.at(-1)!));
        } finally {
          await pebble.stop();
        }
      }
    }
  } finally {
    await pg.end();
  }
  return { results, skipped };
}

/**
 * The bare baseline on a Pebble of its own, run again on another if it does not finish (up
 * to PEBBLE_ATTEMPTS Pebbles in all).
 * Pebble 2.4 can deadlock after some thousand orders under concurrent polling (see "How it
 * measures" in BENCHMARKS.md), and a wedged CA stalls every client; the first instance has
 * served fleetcert's row already. A rerun is noted in the row.
 */
async function baselineOnItsOwnPebble(
  o: IssuanceBenchOptions,
  names: string[],
  csrs: string[],
  warmUp: { names: string[]; csrs: string[] },
  concurrency: number,
): Promise<IssuanceResult> {
  for (let attempt = 1; ; attempt++) {
    const pebble = await startBenchPebble(o.peers.bind, o.peers.pebbleThreads);
    try {
      const peers = { ...o.peers, pebble };
      const result = await withPeerCpu(peers, () =>
        runBareBaseline({
          peers,
          names,
          csrs,
          warmUp,
          concurrency,
          propagationIntervalMs: o.propagationIntervalMs,
          workDir: o.workDir,
          cpuProfileDir: o.cpuProfileDir,
          timeoutMs: BASELINE_TIMEOUT_MS,
        }),
      );
      if (attempt === 1) return result;
      const wedged = attempt === 2 ? 'the first one' : `the first ${attempt - 1}`;
      return { ...result, notes: [...result.notes, `run again on a fresh Pebble: ${wedged} wedged`] };
    } catch (err) {
      if (attempt >= PEBBLE_ATTEMPTS) throw err;
      o.log(
        `bare baseline did not finish (${(err as Error).message.split('\n')[0]}): running it on a fresh Pebble`,
      );
    } finally {
      await pebble.stop();
    }
  }
}

/** A baseline row takes seconds; minutes mean its CA has wedged. */
const BASELINE_TIMEOUT_MS = 5 * 60_000;

/** Runs one row and records what Pebble and BIND9 spent on it (the same for every tool: 2 cores are shared). */
async function withPeerCpu(peers: Peers, row: () => Promise<IssuanceResult>): Promise<IssuanceResult> {
  const meter = new CpuMeter({ pebble: peers.pebble.pid, bind9: peers.bind.pid }).start();
  const result = await row();
  const used = meter.stop();
  return { ...result, peerCpuSeconds: used.pebble + used.bind9 };
}

/** The notes every fleetcert and baseline row carries: how busy the machine was, and the warm-up. */
function noteRow(result: IssuanceResult, warmUp: number): void {
  const machine = machineNote(result, cpus().length);
  if (machine) result.notes.push(machine);
  result.notes.push(
    `${warmUp} warm-up name${warmUp === 1 ? '' : 's'} issued first, off the clock and the CPU count`,
  );
}

/** Submits one CSR per device and waits until every request is valid (the warm-up, off the clock). */
async function issueAll(
  apiUrl: string,
  devices: EnrolledDevice[],
  csrs: string[],
  pg: Client,
): Promise<void> {
  const ids = await mapLimit(devices, 50, (device, i) => submitCsr(apiUrl, device, csrs[i]));
  const { failed } = await waitForRequests(pg, ids, 'fleetcert warm-up', 120_000 + 1_000 * ids.length);
  if (failed > 0) throw new Error(`fleetcert warm-up: ${failed}/${ids.length} certificates failed`);
}

function line(r: IssuanceResult): string {
  return `  → ${r.succeeded}/${r.requested} in ${fixed(r.wallSeconds, 1)} s: ${fixed(certsPerSecond(r), 2)} certs/s, p50 ${fixed(r.latencyMs.p50 / 1000, 2)} s, p99 ${fixed(r.latencyMs.p99 / 1000, 2)} s, ${fixed(cpuPerCert(r) * 1000, 1)} CPU-ms/cert (load ${r.load})`;
}

/** The comparison table: one row per run. */
export function issuanceTable(results: readonly IssuanceResult[]): string {
  return renderTable(
    [
      'tool',
      'concurrency',
      'ok',
      'wall s',
      'certs/s',
      'p50 s',
      'p99 s',
      'order p50 s',
      'CPU ms/cert',
      '+ Postgres ms/cert',
      'Pebble + BIND9 ms/cert',
      'peak RSS MiB',
      'load at start',
    ],
    results.map((r) => [
      r.tool,
      String(r.concurrency),
      `${r.succeeded}/${r.requested}`,
      fixed(r.wallSeconds, 1),
      fixed(certsPerSecond(r), 2),
      fixed(r.latencyMs.p50 / 1000, 2),
      fixed(r.latencyMs.p99 / 1000, 2),
      fixed((r.orderMs?.p50 ?? NaN) / 1000, 2),
      fixed(cpuPerCert(r) * 1000, 1),
      r.dependencyCpu ? fixed(((r.cpuSeconds + r.dependencyCpu.postgres) / r.succeeded) * 1000, 1) : '—',
      r.peerCpuSeconds !== undefined ? fixed((r.peerCpuSeconds / r.succeeded) * 1000, 1) : '—',
      r.peakRssMiB
        ? Object.entries(r.peakRssMiB)
            .map(([k, v]) => `${k} ${v.toFixed(0)}`)
            .join(', ')
        : '—',
      r.load,
    ]),
  );
}

/** Ratios against the targets of issue 8. */
export function issuanceRatios(results: readonly IssuanceResult[]): string[] {
  const out: string[] = [];
  const best = (tool: string) =>
    results.filter((r) => r.tool === tool).sort((a, b) => certsPerSecond(b) - certsPerSecond(a))[0];
  const fleet = best('fleetcert');
  if (!fleet) return out;
  const bare = results.find((r) => r.tool === 'bare baseline' && r.concurrency === fleet.concurrency);
  const legoBest = best('lego');
  const lego16 = results.find((r) => r.tool === 'lego' && r.concurrency === 16);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  if (bare) {
    const ratio = certsPerSecond(fleet) / certsPerSecond(bare);
    out.push(
      `fleetcert / bare baseline throughput: ${ratio.toFixed(2)}× (target ≥ 0.8×: ${verdict(ratio >= 0.8)})`,
    );
  }
  if (legoBest) {
    const ratio = certsPerSecond(fleet) / certsPerSecond(legoBest);
    out.push(
      `fleetcert / lego at its best (-P ${legoBest.concurrency}) throughput: ${ratio.toFixed(2)}× (target ≥ 1×: ${verdict(ratio >= 1)})`,
    );
  }
  if (lego16) {
    const ratio = certsPerSecond(fleet) / certsPerSecond(lego16);
    out.push(`fleetcert / lego -P 16 throughput: ${ratio.toFixed(2)}× (target ≥ 3×: ${verdict(ratio >= 3)})`);
    // The issue counts "all of the tool's processes": fleetcert's are the API, the worker,
    // its Postgres backends and its Redis server, and the verdict is on all of them.
    const own = cpuPerCert(fleet) / cpuPerCert(lego16);
    if (fleet.dependencyCpu) {
      const { postgres = 0, redisServer = 0 } = fleet.dependencyCpu;
      const all = (fleet.cpuSeconds + postgres + redisServer) / fleet.succeeded / cpuPerCert(lego16);
      out.push(
        `fleetcert (API + worker + its Postgres backends + Redis) / lego -P 16 CPU per certificate: ${all.toFixed(2)}× (target ≤ 2×: ${verdict(all <= 2)}); API + worker alone: ${own.toFixed(2)}×`,
      );
    } else {
      out.push(
        `fleetcert / lego -P 16 CPU per certificate (API + worker): ${own.toFixed(2)}× (target ≤ 2×: ${verdict(own <= 2)})`,
      );
    }
  }
  const certbot16 = results.find((r) => r.tool === 'certbot' && r.concurrency === 16);
  if (certbot16) {
    out.push(
      `fleetcert / certbot -P 16 throughput: ${(certsPerSecond(fleet) / certsPerSecond(certbot16)).toFixed(2)}×, CPU per certificate: ${(cpuPerCert(fleet) / cpuPerCert(certbot16)).toFixed(3)}×`,
    );
  }
  return out;
}

/** Where a fleetcert order's time went, step by step (the worker's own histograms). */
export function orderStepLines(results: readonly IssuanceResult[]): string[] {
  return results
    .filter((r) => r.orderStepMs && Object.keys(r.orderStepMs).length > 0)
    .map(
      (r) =>
        `${r.tool} ${r.concurrency}: mean ms per order step (${r.tool === 'fleetcert' ? "worker's fleetcert_acme_order_step_seconds and dns_propagation_wait" : 'timed the same way around the same calls'}): ${Object.entries(
          r.orderStepMs!,
        )
          .map(([step, ms]) => `${step} ${ms.toFixed(0)}`)
          .join(', ')}`,
    );
}
