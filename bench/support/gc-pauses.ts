import { metricValue } from '../../test/support/prometheus';

// Garbage-collection pauses of the API, from its own `/metrics` (prom-client's default
// `nodejs_gc_duration_seconds` histogram, summed over the API processes): a paced row's p99
// is often one or two long pauses, and this says whether they were the collector's.

const GC = 'fleetcert_nodejs_gc_duration_seconds';

export interface GcTotals {
  seconds: number;
  pauses: number;
  /** Pauses longer than 10 ms and 100 ms (the histogram's bucket bounds). */
  over10ms: number;
  over100ms: number;
  /** Per kind of collection (major, minor, incremental, weakcb): pauses over 10 ms. */
  over10msByKind: Record<string, number>;
}

const KINDS = ['major', 'minor', 'incremental', 'weakcb'] as const;

export async function gcTotals(apiUrl: string): Promise<GcTotals> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const value = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, labels) ?? 0;
  const pauses = value(`${GC}_count`);
  return {
    seconds: value(`${GC}_sum`),
    pauses,
    over10ms: pauses - value(`${GC}_bucket`, { le: '0.01' }),
    over100ms: pauses - value(`${GC}_bucket`, { le: '0.1' }),
    over10msByKind: Object.fromEntries(
      KINDS.map((kind) => [
        kind,
        value(`${GC}_count`, { kind }) - value(`${GC}_bucket`, { kind, le: '0.01' }),
      ]),
    ),
  };
}

/** What happened between two readings. */
export function gcBetween(before: GcTotals, after: GcTotals): GcTotals {
  return {
    seconds: after.seconds - before.seconds,
    pauses: after.pauses - before.pauses,
    over10ms: after.over10ms - before.over10ms,
    over100ms: after.over100ms - before.over100ms,
    over10msByKind: Object.fromEntries(
      KINDS.map((kind) => [kind, (after.over10msByKind[kind] ?? 0) - (before.over10msByKind[kind] ?? 0)]),
    ),
  };
}
