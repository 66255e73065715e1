import type { CertificateState } from './device-history.dto';

/** A certificate counts as expiring when it ends within this long (as in the fleet status). */
export const EXPIRING_WITHIN_MS = 7 * 24 * 3600_000;

/** Where a certificate stands right now; revocation and replacement outrank dates. */
export function certificateState(
  c: { notAfter: Date; revokedAt: Date | null; supersededById: string | null },
  now: Date,
): CertificateState {
  if (c.revokedAt) return 'revoked';
  if (c.supersededById) return 'superseded';
  if (c.notAfter.getTime() <= now.getTime()) return 'expired';
  if (c.notAfter.getTime() - now.getTime() <= EXPIRING_WITHIN_MS) return 'expiring';
  return 'valid';
}
