// Where in a paced run its slow answers were due. A p99 made of a few stalls (a collection,
// a burst of other work) and one made of a steady tail call for different fixes; the
// percentiles alone cannot tell them apart (BENCHMARKS.md, ninth and fourteenth passes).

/** Milliseconds of the schedule that each entry of `LoadResult.paced.windowMaxMs` covers. */
export const WINDOW_MS = 100;

/** Consecutive windows whose slowest answer was over the limit. */
export interface SlowStretch {
  /** Start of its first window and end of its last, in seconds of the schedule. */
  fromSeconds: number;
  toSeconds: number;
  /** Its slowest answer, ms from when due. */
  worstMs: number;
}

/**
 * The stretches of the schedule in which some request due there was answered more than
 * `limitMs` after it was due, from the slowest answer of each {@link WINDOW_MS} window.
 */
export function slowStretches(windowMaxMs: readonly number[], limitMs: number): SlowStretch[] {
  const stretches: SlowStretch[] = [];
  let open: SlowStretch | undefined;
  windowMaxMs.forEach((worst, i) => {
    if (worst <= limitMs) {
      open = undefined;
      return;
    }
    const [from, to] = [(i * WINDOW_MS) / 1000, ((i + 1) * WINDOW_MS) / 1000];
    if (open) {
      open.toSeconds = to;
      open.worstMs = Math.max(open.worstMs, worst);
    } else {
      open = { fromSeconds: from, toSeconds: to, worstMs: worst };
      stretches.push(open);
    }
  });
  return stretches;
}

/**
 * One line for a report: how many windows went over the limit, and where, e.g.
 * "9 of 34 100-ms windows had an answer over 50 ms, in 3 stretches: 0.1–0.3 s (worst 127 ms), …".
 */
export function describeSlowWindows(windowMaxMs: readonly number[], limitMs: number): string {
  const slow = windowMaxMs.filter((ms) => ms > limitMs).length;
  const stretches = slowStretches(windowMaxMs, limitMs);
  const head = `${slow} of ${windowMaxMs.length} ${WINDOW_MS}-ms windows (by when requests were due) had an answer over ${limitMs} ms`;
  if (stretches.length === 0) return head;
  const where = stretches
    .map((s) => `${s.fromSeconds.toFixed(1)}–${s.toSeconds.toFixed(1)} s (worst ${Math.round(s.worstMs)} ms)`)
    .join(', ');
  return `${head}, in ${stretches.length} stretch${stretches.length > 1 ? 'es' : ''}: ${where}`;
}
