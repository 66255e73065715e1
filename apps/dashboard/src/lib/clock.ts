import { useSyncExternalStore } from 'react';

/**
 * One shared clock for every relative time on the page ("in 3 days"), ticking every
 * 15 seconds while anything shows one, instead of a timer per table cell.
 */
const TICK_MS = 15_000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    timer = setInterval(() => {
      now = Date.now();
      listeners.forEach((l) => l());
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function useNow(): Date {
  const ms = useSyncExternalStore(subscribe, () => now);
  return new Date(ms);
}
