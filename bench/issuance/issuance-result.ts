import type { MachineWindow } from '../support/proc';
import type { LatencySummary } from '../support/stats';

/** One row of the issuance comparison. */
export interface IssuanceResult {
  /** `fleetcert`, `bare baseline`, `lego`, `certbot`. */
  tool: string;
  /** Orders in flight at once (worker concurrency, `xargs -P`, the baseline's lanes). */
  concurrency: number;
  requested: number;
  succeeded: number;
  /** First submission to last certificate, in seconds. */
  wallSeconds: number;
  /** Each name: from its submission (the batch start for a script) to its certificate. */
  latencyMs: LatencySummary;
  /** One order alone, from the moment a worker/process took it up to its certificate. */
  orderMs?: LatencySummary;
  /** CPU seconds of the tool's own processes (Pebble and BIND9 excluded). */
  cpuSeconds: number;
  /** The same, per process or process group. */
  cpuBreakdown: Record<string, number>;
  /** CPU of the tool's dependencies, when it has any (Postgres backends; the shared Redis server). */
  dependencyCpu?: Record<string, number>;
  /** CPU seconds Pebble and BIND9 used during the row: the CA and DNS work every tool causes. */
  peerCpuSeconds?: number;
  /**
   * The whole machine over the row (every process: the tool's, its dependencies', Pebble and
   * BIND9, the simulated devices), from `/proc/stat`: busy CPU seconds of all cores, and the
   * seconds they were counted over. Says whether the row was short of CPU.
   */
  machine?: MachineWindow;
  /** Highest resident memory per process during the run, in MiB. */
  peakRssMiB?: Record<string, number>;
  /** fleetcert: mean milliseconds of each step of an order, from the worker's `/metrics`. */
  orderStepMs?: Record<string, number>;
  /** Load averages when the run started (the machine is shared). */
  load: string;
  notes: string[];
}

export function certsPerSecond(r: IssuanceResult): number {
  return r.succeeded / r.wallSeconds;
}

/** Share of the machine's cores busy over the row (NaN when not measured). */
export function machineBusyShare(r: IssuanceResult, cores: number): number {
  return r.machine ? r.machine.busySeconds / (r.machine.windowSeconds * cores) : NaN;
}

/** The whole machine's CPU seconds per certificate over the row, every process counted (NaN when not measured). */
export function machineCpuPerCert(r: IssuanceResult): number {
  return r.machine ? r.machine.busySeconds / r.succeeded : NaN;
}

/** The note on how busy the machine was over the row, when it was measured. */
export function machineNote(r: IssuanceResult, cores: number): string | undefined {
  if (!r.machine || r.succeeded === 0) return undefined;
  return `machine: ${(machineBusyShare(r, cores) * 100).toFixed(0)}% of ${cores} cores busy over the row; ${(machineCpuPerCert(r) * 1000).toFixed(1)} ms of CPU a certificate, all processes counted`;
}

export function cpuPerCert(r: IssuanceResult): number {
  return r.cpuSeconds / r.succeeded;
}
