/**
 * The stretches of a benchmark run that its rows measure, on the clock V8's CPU profiles
 * use (`--cpu-prof` stamps samples in microseconds of CLOCK_MONOTONIC, the clock of
 * `process.hrtime`), so a profile can be summarized for a row alone: without start-up,
 * enrolment and warm-up, which otherwise dominate a short row.
 */
export interface ProfileWindow {
  label: string;
  fromUs: number;
  toUs: number;
}

const windows: ProfileWindow[] = [];

export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Runs `fn` and records the stretch it took as the window `label`. */
export async function inProfileWindow<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const fromUs = monotonicMicros();
  try {
    return await fn();
  } finally {
    windows.push({ label, fromUs, toUs: monotonicMicros() });
  }
}

/** Every window recorded so far, in the order they ended. */
export function profileWindows(): readonly ProfileWindow[] {
  return windows;
}

/** Forgets every window: the run starts over, and its profiles with it. */
export function clearProfileWindows(): void {
  windows.length = 0;
}
