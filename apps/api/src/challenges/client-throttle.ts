/**
 * A fixed-window request counter per client address, in memory: enough to stop one client
 * from hammering the public challenge responder (a real CA asks a handful of times per
 * challenge). Memory is bounded: the table is dropped at each new window.
 */
export class ClientThrottle {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs = 60_000,
    private readonly maxClients = 100_000,
  ) {}

  /** Null when allowed; otherwise the seconds until the client may try again. */
  take(client: string, now = Date.now()): number | null {
    const window = Math.floor(now / this.windowMs);
    if (window !== this.window || this.counts.size >= this.maxClients) {
      this.window = window;
      this.counts = new Map();
    }
    const count = (this.counts.get(client) ?? 0) + 1;
    this.counts.set(client, count);
    if (count <= this.perWindow) return null;
    return Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000));
  }
}
