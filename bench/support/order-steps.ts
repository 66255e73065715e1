import { readFileSync } from 'node:fs';
import { metricValue } from '../../test/support/prometheus';
import { workerMetricsUrlIn } from '../../test/support/worker-process';

/** The steps of `fleetcert_acme_order_step_seconds`, then DNS propagation (its own histogram). */
const STEPS = [
  'rate_limit',
  'new_order',
  'challenge_publish',
  'dns_propagation',
  'ca_validation',
  'finalize',
  'download',
  'store',
] as const;

/** Seconds spent and times seen, per step, as the worker's `/metrics` counts them. */
export type StepTotals = Record<string, { seconds: number; count: number }>;

/** Where the worker whose log is `logFile` serves its metrics. */
export function workerMetricsUrl(logFile: string): string {
  return workerMetricsUrlIn(readFileSync(logFile, 'utf8'));
}

/** The worker's order-step totals now. */
export async function orderStepTotals(metricsUrl: string): Promise<StepTotals> {
  const text = await (await fetch(metricsUrl)).text();
  const totals: StepTotals = {};
  for (const step of STEPS) {
    const [name, labels] =
      step === 'dns_propagation'
        ? ['fleetcert_dns_propagation_wait_seconds', {}]
        : ['fleetcert_acme_order_step_seconds', { step }];
    totals[step] = {
      seconds: metricValue(text, `${name}_sum`, labels) ?? 0,
      count: metricValue(text, `${name}_count`, labels) ?? 0,
    };
  }
  return totals;
}

/** Mean milliseconds per step between two readings (steps not seen in between left out). */
export function meanStepMs(before: StepTotals, after: StepTotals): Record<string, number> {
  const means: Record<string, number> = {};
  for (const step of STEPS) {
    const count = after[step].count - before[step].count;
    if (count > 0) means[step] = ((after[step].seconds - before[step].seconds) / count) * 1000;
  }
  return means;
}
