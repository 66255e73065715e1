import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, processTree } from './proc';

/** The exit code of a benchmark that was interrupted and cleaned up after itself. */
export const INTERRUPTED_EXIT_CODE = 130;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Set once a signal has started {@link cleanUpOnInterrupt}'s clean-up. */
let interrupted = false;

/**
 * Runs a benchmark's `main` and exits: 0 when it ends, 1 with its error when it fails. Once
 * interrupted, the exit is left to {@link cleanUpOnInterrupt}'s handler, which exits with
 * {@link INTERRUPTED_EXIT_CODE} when everything is down: the error `main` then ends with is
 * the clean-up's doing (a dropped database, a stopped process), not the benchmark's.
 */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => {
      if (!interrupted) process.exit(0);
    },
    (err: unknown) => {
      if (interrupted) return;
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}

/**
 * A clean-up that runs once, however often it is called: by the signal handler of
 * {@link cleanUpOnInterrupt} and by the run's own `finally`, whichever comes first.
 */
export function runsOnce(cleanUp: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= cleanUp());
}

/**
 * On Ctrl-C (SIGINT) or SIGTERM, runs `cleanUp`, then {@link stopDescendants}, and exits with
 * {@link INTERRUPTED_EXIT_CODE}: what a benchmark started (processes, a database, Redis keys)
 * must not outlive it, and Node's default on these signals is to exit at once, skipping
 * every `finally`. The returned function removes the handlers, for a benchmark that cleans
 * up by itself.
 */
export function cleanUpOnInterrupt(
  cleanUp: () => Promise<unknown>,
  log: (line: string) => void = (line) => console.error(line),
): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanUp()
      .catch((err: unknown) => log(`cleaning up failed: ${(err as Error).message}`))
      .then(() => stopDescendants(log))
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

/** How long {@link stopDescendants} gives the processes its SIGTERM reached before SIGKILL. */
const DESCENDANTS_GRACE_MS = 5000;

/**
 * Ends every process still running under this one once the clean-up is done: those the
 * clean-up does not own (a row's own Pebble, the bare baseline's process, lego or certbot
 * under xargs, wrk). Ctrl-C at a terminal signals the whole process group, but a SIGTERM
 * sent to the benchmark alone (`kill`, a supervisor) reaches only it, and its children
 * would run on. SIGTERM first, then SIGKILL for whatever is left after a grace period.
 */
export async function stopDescendants(log: (line: string) => void): Promise<void> {
  const left = processTree(process.pid).slice(1).filter(isRunning);
  if (left.length === 0) return;
  log(`stopping ${left.length} leftover process${left.length === 1 ? '' : 'es'}: ${left.join(', ')}`);
  left.forEach((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + DESCENDANTS_GRACE_MS;
  while (left.some(isRunning) && Date.now() < deadline) await sleep(50);
  left.filter(isRunning).forEach((pid) => signal(pid, 'SIGKILL'));
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // It ended meanwhile.
  }
}
