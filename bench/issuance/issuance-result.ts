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

export function cpuPerCert(r: IssuanceResult): number {
  return r.cpuSeconds / r.succeeded;
}
