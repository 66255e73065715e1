/** Latency summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (`p` in 0–100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(valuesMs: readonly number[]): LatencySummary {
  const sum = valuesMs.reduce((a, b) => a + b, 0);
  return {
    count: valuesMs.length,
    p50: percentile(valuesMs, 50),
    p99: percentile(valuesMs, 99),
    max: valuesMs.length ? Math.max(...valuesMs) : Number.NaN,
    mean: valuesMs.length ? sum / valuesMs.length : Number.NaN,
  };
}

/** `value` with `digits` decimals, or `—` when it is not a finite number. */
export function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** How many of `offsetsMs` fall in each second from 0: the row's timeline. */
export function perSecond(offsetsMs: readonly number[]): number[] {
  const counts: number[] = [];
  for (const ms of offsetsMs) {
    const second = Math.floor(ms / 1000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}
