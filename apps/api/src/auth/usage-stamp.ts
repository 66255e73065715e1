/**
 * Decides when a credential's `lastUsedAt` is worth writing: at most once per interval
 * per credential, so that authentication stays a single read on the hot path.
 * Memory is bounded: the table is cleared when it grows past `maxEntries`.
 */
export class UsageStamp {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs = 5 * 60_000,
    private readonly maxEntries = 100_000,
  ) {}

  due(id: string, stored: Date | null, now = Date.now()): boolean {
    const seen = Math.max(this.last.get(id) ?? 0, stored?.getTime() ?? 0);
    if (now - seen < this.intervalMs) return false;
    if (this.last.size >= this.maxEntries) this.last.clear();
    this.last.set(id, now);
    return true;
  }
}
