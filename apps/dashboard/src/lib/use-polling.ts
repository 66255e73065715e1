import { DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  /** When the last successful answer arrived. */
  updatedAt: Date | undefined;
  loading: boolean;
  /** Loads again now (after an action), without waiting for the next tick. */
  refresh: () => void;
}

/**
 * Keeps `load`'s answer fresh: loads at once, then every `intervalMs` (a function of the
 * last answer, so a page can poll fast only while something is moving). Never overlaps two
 * loads, keeps the last good data through an error, pauses while the tab is hidden, and
 * reloads when `deps` change.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number | ((data: T | undefined) => number),
  deps: DependencyList,
): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'refresh'>>({
    data: undefined,
    error: undefined,
    updatedAt: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const latest = useRef<T | undefined>(undefined);

  // Different deps: a different thing is being watched, forget the old answer.
  useEffect(() => {
    latest.current = undefined;
    setState({ data: undefined, error: undefined, updatedAt: undefined, loading: true });
  }, deps);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight = false;

    const schedule = () => {
      if (stopped) return;
      clearTimeout(timer);
      const wait = typeof intervalMs === 'function' ? intervalMs(latest.current) : intervalMs;
      timer = setTimeout(run, wait);
    };
    const run = async () => {
      if (inFlight || stopped) return;
      if (document.hidden) return schedule();
      inFlight = true;
      try {
        const data = await load(controller.signal);
        if (stopped) return;
        latest.current = data;
        setState({ data, error: undefined, updatedAt: new Date(), loading: false });
      } catch (err) {
        if (stopped || (err as Error).name === 'AbortError') return;
        setState((s) => ({ ...s, error: err as Error, loading: false }));
      } finally {
        inFlight = false;
      }
      schedule();
    };
    void run();
    const onVisible = () => {
      if (!document.hidden) void run();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [...deps, tick]);

  return { ...state, refresh };
}
