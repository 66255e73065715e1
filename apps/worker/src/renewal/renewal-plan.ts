import { fallbackRenewalWindow, pickRenewalTime, RenewalInfo } from '@fleetcert/acme';

/**
 * When to renew a certificate and when the scheduler looks at it next. Pure: every clock
 * and random draw comes in as an argument.
 */
export interface RenewalPlan {
  renewalStart: Date;
  renewalEnd: Date;
  /** The random moment inside the window chosen to renew. */
  renewAt: Date;
  /** When the scheduler next looks: the renewal time, or an earlier ARI poll. */
  nextCheckAt: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The plan of a certificate just issued: the fallback window (a third of the lifetime left,
 * half under 10 days) with a random moment inside it, so a fleet issued in one burst renews
 * spread out. With ARI the CA's own suggestion is asked for at once and replaces it.
 */
export function initialPlan(
  notBefore: Date,
  notAfter: Date,
  opts: { ari: boolean; now: number; random?: () => number },
): RenewalPlan {
  const window = fallbackRenewalWindow(notBefore, notAfter);
  const renewAt = pickRenewalTime(window, opts.now, opts.random);
  return {
    renewalStart: window.start,
    renewalEnd: window.end,
    renewAt,
    nextCheckAt: opts.ari ? new Date(opts.now) : renewAt,
  };
}

/**
 * The plan after a renewalInfo answer (RFC 9773 §4.2): a random moment inside the suggested
 * window — the one chosen at an earlier poll while it is still inside, so re-polling does
 * not re-draw (which would drift renewals towards the window's end) — and the next poll
 * when the CA's `Retry-After` allows it (clamped to 1 minute – 1 day; 6 hours without one,
 * so at least twice a day unless the CA asks for less). Due now when the moment has come.
 */
export function planFromRenewalInfo(
  info: RenewalInfo,
  chosenBefore: Date | null,
  opts: { now: number; random?: () => number },
): RenewalPlan & { due: boolean } {
  const { start, end } = info.suggestedWindow;
  const keep = chosenBefore && chosenBefore >= start && chosenBefore <= end;
  const renewAt = keep ? chosenBefore : pickRenewalTime(info.suggestedWindow, opts.now, opts.random);
  const due = renewAt.getTime() <= opts.now;
  return {
    renewalStart: start,
    renewalEnd: end,
    renewAt,
    nextCheckAt: due ? new Date(opts.now) : new Date(Math.min(renewAt.getTime(), info.retryAfter.getTime())),
    due,
  };
}

/**
 * How soon to look again at a certificate whose renewal is under way (or whose ARI poll
 * failed): a hundredth of its lifetime, between 10 seconds and an hour — an hour for
 * 90-day certificates, minutes for short-lived ones, which have little time to lose.
 */
export function recheckDelayMs(notBefore: Date, notAfter: Date): number {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return Math.min(HOUR, Math.max(10_000, lifetime / 100));
}

/** The wait before another renewal after `failed` failed ones: the recheck delay doubling, at most 6 hours. */
export function failureBackoffMs(notBefore: Date, notAfter: Date, failed: number): number {
  return Math.min(6 * HOUR, recheckDelayMs(notBefore, notAfter) * 2 ** Math.max(0, failed - 1));
}
