/**
 * Tells a standing queue from a burst, as CoDel does for packets (RFC 8289): a burst makes
 * some requests slow, a queue that never drains makes every request slow. So the signal is
 * the *fastest* request of each interval: when even it took longer than the target, the
 * process is taking more work than it can serve, and stays overloaded until an interval
 * whose fastest request was within the target, or that served too few to tell (a queue
 * that was standing is empty, or the process is nearly idle: one slow request among a few
 * is not a queue).
 */
export class StandingQueueDetector {
  private intervalStart: number;
  private fastestMs = Infinity;
  private served = 0;
  private overloaded = false;
  /** The fastest time of the last finished interval; Infinity when it served too few. */
  private lastFastestMs = Infinity;
  private lastServed = 0;

  constructor(
    private readonly targetMs: number,
    private readonly intervalMs: number,
    /** Fewer requests served in an interval than this say nothing: a process this idle has no queue. */
    private readonly minServed: number,
    private readonly now: () => number,
  ) {
    if (!(targetMs > 0) || !(intervalMs > 0)) throw new RangeError('target and interval must be positive');
    this.intervalStart = this.now();
  }

  /** Records how long a request that was served (not shed) took, in ms. */
  record(durationMs: number): void {
    this.roll();
    this.served++;
    if (durationMs < this.fastestMs) this.fastestMs = durationMs;
  }

  /** Whether the last finished interval showed a standing queue. */
  isOverloaded(): boolean {
    this.roll();
    return this.overloaded;
  }

  /** The fastest served request of the last finished interval (ms), for logs. */
  get fastestOfLastInterval(): number {
    return this.lastFastestMs;
  }

  /** How many requests the last finished interval served: the rate the process keeps up. */
  get servedInLastInterval(): number {
    this.roll();
    return this.lastServed;
  }

  /** Closes the intervals that have ended; one that served too few counts as drained. */
  private roll(): void {
    const now = this.now();
    if (now - this.intervalStart < this.intervalMs) return;
    const ended = Math.floor((now - this.intervalStart) / this.intervalMs);
    // Only the interval just ended had requests; any after it (an idle gap) served none.
    const lastHadRequests = ended === 1 && this.served >= this.minServed;
    this.overloaded = lastHadRequests && this.fastestMs > this.targetMs;
    this.lastFastestMs = lastHadRequests ? this.fastestMs : Infinity;
    this.lastServed = ended === 1 ? this.served : 0;
    this.intervalStart += ended * this.intervalMs;
    this.fastestMs = Infinity;
    this.served = 0;
  }
}
