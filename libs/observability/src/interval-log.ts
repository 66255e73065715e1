/**
 * At most one log line per interval for an event that can happen thousands of times a
 * second (an outage, overload): the first occurrence is logged at once, later ones are
 * counted, and the count goes with the next line. Metrics count every occurrence.
 */
export class IntervalLog {
  private lastAt = -Infinity;
  private unlogged = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Counts one occurrence. When a line is due, returns how many occurred since the last
   * line (this one included); otherwise undefined.
   */
  note(): number | undefined {
    this.unlogged++;
    const at = this.now();
    if (at - this.lastAt < this.intervalMs) return undefined;
    const count = this.unlogged;
    this.lastAt = at;
    this.unlogged = 0;
    return count;
  }
}
