/** Options of a {@link Backoff}. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. */
  initialMs: number;
  /** Largest ceiling, in ms: the delay stops growing here. */
  maxMs: number;
  /** Growth of the ceiling per attempt. Default `2`. */
  factor?: number;
  /**
   * Share of the ceiling that is randomised, 0..1. Default `0.5`: each delay is drawn from
   * [ceiling / 2, ceiling], so a fleet that lost its server at the same moment does not
   * come back in lockstep, yet every delay is at least the previous ceiling's half and
   * the series never shrinks below the previous delay before reaching `maxMs`.
   */
  jitter?: number;
  /** Source of randomness in [0, 1); `Math.random` unless a test injects one. */
  random?: () => number;
}

/** Longest wait a server's Retry-After may impose on the agent, so a bad header cannot park it for weeks. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/**
 * Exponential backoff with jitter ("equal jitter"): attempt n waits a random time in
 * [c·(1 − jitter), c] where c = min(maxMs, initialMs · factor^n). Call {@link reset}
 * after a success.
 */
export class Backoff {
  private attempt = 0;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError('backoff needs 0 < initialMs <= maxMs');
    }
    this.factor = options.factor ?? 2;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last {@link reset}. */
  get attempts(): number {
    return this.attempt;
  }

  /**
   * The delay before the next try, in ms. `atLeastMs` (a server's Retry-After) wins when
   * it is longer, up to {@link MAX_RETRY_AFTER_MS}.
   */
  next(atLeastMs = 0): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * this.factor ** this.attempt);
    this.attempt++;
    const delay = ceiling * (1 - this.jitter * this.random());
    return Math.round(Math.max(delay, Math.min(atLeastMs, MAX_RETRY_AFTER_MS)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
