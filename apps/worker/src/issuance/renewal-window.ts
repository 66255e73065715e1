/**
 * When to renew without ACME Renewal Information: once a third of the lifetime remains
 * (half for certificates under 10 days, such as 6-day IP certificates). The window spans
 * a tenth of the lifetime so that a fleet spreads its renewals instead of renewing at once.
 */
export function renewalWindow(notBefore: Date, notAfter: Date): { start: Date; end: Date } {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const remainingShare = lifetime < 10 * 24 * 3600 * 1000 ? 1 / 2 : 1 / 3;
  const start = notAfter.getTime() - lifetime * remainingShare;
  const end = start + lifetime / 10;
  return { start: new Date(start), end: new Date(end) };
}
