/**
 * Orders take under a second in the benchmark: a minute in which none finishes is Pebble
 * 2.4's deadlock, after which it answers no signed request again (letsencrypt/pebble#554).
 * Waiting parts of the benchmark say so then rather than at their own timeouts.
 */
export const STALL_MS = 60_000;

export function pebbleStallError(what: string, done: number, total: number): Error {
  return new Error(
    `${what}: ${done}/${total} finished and none in the last ${STALL_MS / 1000} s: Pebble 2.4 has most likely deadlocked (letsencrypt/pebble#554; "How it measures" in BENCHMARKS.md). Run the benchmark again.`,
  );
}
