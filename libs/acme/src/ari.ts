import { AuthorityKeyIdentifierExtension, X509Certificate } from '@peculiar/x509';
import type { RenewalInfo } from './acme-client.port';
import { clamp, parseRetryAfter } from './retry-after';

/** RFC 9773 §4.3: re-poll after Retry-After, but never sooner than a minute nor later than a day. */
export const ARI_RETRY_AFTER_BOUNDS_MS = { min: 60_000, max: 24 * 3600_000 } as const;
/** When the CA sends no Retry-After (RFC 9773 suggests a few hours). */
export const ARI_DEFAULT_RETRY_MS = 6 * 3600_000;

/**
 * The ARI certificate identifier (RFC 9773 §4.1): base64url(AKI keyIdentifier) "."
 * base64url(serial number DER content bytes), unpadded — also the value of `replaces`.
 */
export function ariCertId(certPem: string): string {
  const cert = new X509Certificate(certPem);
  const keyId = cert.getExtension(AuthorityKeyIdentifierExtension)?.keyId;
  if (!keyId) throw new Error('certificate has no authority key identifier: ARI cannot name it');
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${serialDerContent(cert.serialNumber).toString('base64url')}`;
}

/**
 * The DER content bytes of a (positive) serial from its hex value. Parsers print the
 * number without the 00 that DER puts before a first byte >= 0x80 (RFC 9773's example:
 * serial 0x87654321 → `AIdlQyE`, i.e. 00 87 65 43 21), so it is added back here.
 */
function serialDerContent(hex: string): Buffer {
  const bytes = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  return bytes.length > 0 && bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/** Parses a renewalInfo answer; throws on a malformed window. */
export function parseRenewalInfo(
  body: unknown,
  retryAfterHeader: string | string[] | undefined,
  now: number = Date.now(),
): RenewalInfo {
  const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const window = (
    typeof doc.suggestedWindow === 'object' && doc.suggestedWindow !== null ? doc.suggestedWindow : {}
  ) as Record<string, unknown>;
  const start = typeof window.start === 'string' ? new Date(window.start) : undefined;
  const end = typeof window.end === 'string' ? new Date(window.end) : undefined;
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) {
    throw new Error('renewalInfo answer has no valid suggestedWindow');
  }
  const asked = parseRetryAfter(retryAfterHeader, now);
  const waitMs = asked ? asked.getTime() - now : ARI_DEFAULT_RETRY_MS;
  return {
    suggestedWindow: { start, end },
    ...(typeof doc.explanationURL === 'string' && { explanationUrl: doc.explanationURL }),
    retryAfter: new Date(now + clamp(waitMs, ARI_RETRY_AFTER_BOUNDS_MS.min, ARI_RETRY_AFTER_BOUNDS_MS.max)),
  };
}

/**
 * When to renew: a uniformly random moment inside the suggested window (RFC 9773 §4.2),
 * so a fleet spreads out; `now` when the window has already started.
 */
export function pickRenewalTime(
  window: { start: Date; end: Date },
  now: number = Date.now(),
  random = Math.random,
): Date {
  const start = window.start.getTime();
  const end = window.end.getTime();
  const at = start + random() * (end - start);
  return new Date(Math.max(at, now));
}

/**
 * The renewal window without ARI: it ends when about a third of the lifetime remains (half
 * for certificates under 10 days, such as 6-day IP certificates) and starts 5% of the
 * lifetime earlier. Picking a random moment inside it is the jitter that keeps a fleet
 * issued in one burst from renewing in one.
 */
export function fallbackRenewalWindow(notBefore: Date, notAfter: Date): { start: Date; end: Date } {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const remainingFraction = lifetime < 10 * 24 * 3600_000 ? 1 / 2 : 1 / 3;
  const end = notAfter.getTime() - remainingFraction * lifetime;
  return { start: new Date(end - 0.05 * lifetime), end: new Date(end) };
}

/** A random renewal time inside {@link fallbackRenewalWindow} (`random() = 0`: its end). */
export function fallbackRenewalTime(notBefore: Date, notAfter: Date, random = Math.random): Date {
  const { start, end } = fallbackRenewalWindow(notBefore, notAfter);
  return new Date(end.getTime() - random() * (end.getTime() - start.getTime()));
}
