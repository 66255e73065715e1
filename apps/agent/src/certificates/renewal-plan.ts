export interface RenewalWindow {
  start: Date;
  end: Date;
}

/**
 * The window to renew in when the server gives none (an older server, or a certificate
 * the agent found on disk without its request): once a third of the lifetime remains,
 * half for certificates under 10 days, over a tenth of the lifetime. The server uses the
 * same rule when the CA offers no ACME Renewal Information.
 */
export function fallbackWindow(notBefore: Date, notAfter: Date): RenewalWindow {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const remainingShare = lifetime < 10 * 86_400_000 ? 1 / 2 : 1 / 3;
  const start = notAfter.getTime() - lifetime * remainingShare;
  return { start: new Date(start), end: new Date(start + lifetime / 10) };
}

/**
 * When to renew: a uniformly random moment inside the window (what RFC 9773 asks of
 * clients, so that a fleet does not renew in one burst), not before `now`, and never
 * after the certificate expires. A window already over means renewing now.
 */
export function chooseRenewalTime(
  window: RenewalWindow,
  notAfter: Date,
  now: Date,
  random: () => number = Math.random,
): Date {
  const end = Math.min(window.end.getTime(), notAfter.getTime());
  const start = Math.min(Math.max(window.start.getTime(), now.getTime()), end);
  if (end <= now.getTime()) return now;
  return new Date(start + Math.floor((end - start) * random()));
}

/** The server's window when it sent a usable one, else {@link fallbackWindow}. */
export function windowFrom(
  renewal: { windowStart: string; windowEnd: string } | undefined,
  notBefore: Date,
  notAfter: Date,
): RenewalWindow {
  if (renewal) {
    const start = new Date(renewal.windowStart);
    const end = new Date(renewal.windowEnd);
    if (!Number.isNaN(start.getTime()) && !Number.isNaN(end.getTime()) && end >= start) return { start, end };
  }
  return fallbackWindow(notBefore, notAfter);
}
