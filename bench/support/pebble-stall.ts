/**
 * Orders take under a second in the benchmark: a minute in which none finishes is Pebble
 * 2.4's deadlock, after which it answers no signed request again (letsencrypt/pebble#554).
 * Waiting parts of the benchmark say so then rather than at their own timeouts.
 */
export const STALL_MS = 60_000;

/**
 * Pebbles a wedged part of the benchmark may use in all, each fresh: the stack fleetcert
 * runs on (`bench/main.ts`), and the bare baseline's own. On the twentieth pass's machine
 * Pebble wedged in 6 of the first 20 fleetcert rows; with three a run fails only when all
 * three wedge.
 */
export const PEBBLE_ATTEMPTS = 3;

/** A part of the benchmark saw no order finish for {@link STALL_MS}: Pebble has most likely wedged. */
export class PebbleStallError extends Error {
  /** What was seen, without the advice to run again. */
  readonly finding: string;

  constructor(
    readonly what: string,
    readonly done: number,
    readonly total: number,
  ) {
    const finding = `${what}: ${done}/${total} finished and none in the last ${STALL_MS / 1000} s: Pebble 2.4 has most likely deadlocked (letsencrypt/pebble#554; "How it measures" in BENCHMARKS.md)`;
    super(`${finding}. Run the benchmark again.`);
    this.name = 'PebbleStallError';
    this.finding = finding;
  }
}
