/** Longest single timer Node supports (about 24.8 days); longer waits are split. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Interruptible sleeps for the agent's loops: every sleep ends early when the agent stops
 * (the abort signal) or when something asks all loops to look again now ({@link wakeAll},
 * e.g. on SIGHUP or when an address change makes a new IP certificate necessary).
 */
export class Sleeper {
  private readonly waiting = new Set<() => void>();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.wakeAll(), { once: true });
  }

  get stopped(): boolean {
    return this.signal.aborted;
  }

  /** Resolves `true` after `ms`, or `false` as soon as it is woken or the agent stops. */
  sleep(ms: number): Promise<boolean> {
    if (this.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (slept: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(slept);
      };
      const wake = () => finish(false);
      const timer = setTimeout(() => finish(true), Math.max(0, Math.min(ms, MAX_TIMER_MS)));
      this.waiting.add(wake);
    });
  }

  /** Ends every current sleep. */
  wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }
}
