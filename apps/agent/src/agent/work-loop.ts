import { AddressSourceError } from '../addresses/address-reader';
import { isTransient, retryAfterOf } from '../api/api-errors';
import type { StepResult } from '../certificates/certificate-manager';
import { Backoff } from '../retry/backoff';
import type { Sleeper } from '../retry/sleeper';
import type { Logger } from '../log/logger';
import type { Component } from '../state/agent-state';
import type { StateStore } from '../state/state-store';

export interface RetrySchedule {
  initialMs: number;
  maxMs: number;
}

export interface WorkLoopOptions {
  component: Component;
  step: () => Promise<StepResult>;
  sleeper: Sleeper;
  state: StateStore;
  logger: Logger;
  /** Schedule after outages and network errors. */
  transient: RetrySchedule;
  /** Schedule after the server or the CA refused. */
  refused: RetrySchedule;
  random?: () => number;
  now?: () => Date;
}

/**
 * Runs one part of the agent until it is stopped: a step, then the wait it asks for.
 * A failed step is logged, recorded as the component's last error (for `status`) and
 * retried after an exponential backoff with jitter, honouring the server's Retry-After;
 * outages and refusals each have their own schedule. The first success clears the error.
 */
export async function runWorkLoop(o: WorkLoopOptions): Promise<void> {
  const transient = new Backoff({
    initialMs: o.transient.initialMs,
    maxMs: o.transient.maxMs,
    random: o.random,
  });
  const refused = new Backoff({ initialMs: o.refused.initialMs, maxMs: o.refused.maxMs, random: o.random });
  const now = o.now ?? (() => new Date());
  while (!o.sleeper.stopped) {
    let wait: number;
    try {
      const result = await o.step();
      transient.reset();
      refused.reset();
      if (o.state.current.errors[o.component]) {
        o.logger.info(`${o.component}: working again`, { component: o.component });
        await o.state.update((s) => void delete s.errors[o.component]);
      }
      wait = result.waitMs;
    } catch (err) {
      const outage = isRetryableSoon(err);
      const backoff = outage ? transient : refused;
      wait = backoff.next(retryAfterOf(err));
      const failures = (o.state.current.errors[o.component]?.failures ?? 0) + 1;
      const message = err instanceof Error ? err.message : String(err);
      o.logger.warn(`${o.component}: ${message}`, {
        component: o.component,
        kind: outage ? 'unavailable' : 'refused',
        failures,
        retryInMs: wait,
      });
      await o.state
        .update((s) => {
          s.errors[o.component] = {
            at: now().toISOString(),
            message,
            retryAt: new Date(now().getTime() + wait).toISOString(),
            failures,
          };
        })
        .catch((e: Error) => o.logger.error(`cannot write the state file: ${e.message}`));
    }
    if (wait > 0) await o.sleeper.sleep(wait);
  }
}

/** Outages, throttling and unreadable address sources retry on the fast schedule. */
export function isRetryableSoon(err: unknown): boolean {
  return isTransient(err) || err instanceof AddressSourceError;
}
