/** The exit code of a benchmark that was interrupted and cleaned up after itself. */
export const INTERRUPTED_EXIT_CODE = 130;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A clean-up that runs once, however often it is called: by the signal handler of
 * {@link cleanUpOnInterrupt} and by the run's own `finally`, whichever comes first.
 */
export function runsOnce(cleanUp: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= cleanUp());
}

/**
 * On Ctrl-C (SIGINT) or SIGTERM, runs `cleanUp` and exits with {@link INTERRUPTED_EXIT_CODE}:
 * what a benchmark started (processes, a database, Redis keys) must not outlive it, and
 * Node's default on these signals is to exit at once, skipping every `finally`. The
 * returned function removes the handlers, for a benchmark that cleans up by itself.
 */
export function cleanUpOnInterrupt(
  cleanUp: () => Promise<unknown>,
  log: (line: string) => void = (line) => console.error(line),
): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void cleanUp()
      .catch((err: unknown) => log(`cleaning up failed: ${(err as Error).message}`))
      .finally(() => process.exit(INTERRUPTED_EXIT_CODE));
  };
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return () => SIGNALS.forEach((signal) => process.off(signal, onSignal));
}

/**
 * Runs `start`, then removes the SIGINT and SIGTERM listeners it added, so that the
 * benchmark's own ({@link cleanUpOnInterrupt}) answer them alone. An in-process API adds
 * Nest's shutdown hooks, which close it and exit the process, before the benchmark could
 * drop its database.
 */
export async function withoutSignalListenersOf<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await start();
  } finally {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.off(signal, listener as () => void);
      }
    }
  }
}
