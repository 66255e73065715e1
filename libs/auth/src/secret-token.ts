import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Credentials are 256 random bits, shown once and stored only as SHA-256.
 *
 * Format: `<kind>_<prefix>_<secret>`, e.g. `fcd_3kq9x2m4ab7c_…`. The prefix (60 random
 * bits, stored in clear and unique) finds the row with one indexed lookup; the full
 * token's SHA-256 is then compared in constant time. A slow password hash would add
 * nothing: the token is already random and far beyond brute force, and SHA-256 keeps
 * verification at microseconds for thousands of requests a second.
 */
export type TokenKind = 'fco' | 'fcd' | 'fcs';

/** `fco` operator API key, `fcd` device token, `fcs` dashboard session (HttpOnly cookie). */
export const TOKEN_KINDS = { operator: 'fco', device: 'fcd', session: 'fcs' } as const;

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN_RE = /^(fco|fcd|fcs)_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  /** The whole token: hand it to its owner once, never store it. */
  token: string;
  prefix: string;
  hash: Buffer;
}

export interface ParsedToken {
  kind: TokenKind;
  prefix: string;
  token: string;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const prefix = randomLabel(12);
  const token = `${kind}_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashToken(token) };
}

/** The token's SHA-256, as stored. */
export function hashToken(token: string): Buffer {
  // One-shot `hash` (Node >= 20.12): the same bytes as createHash().update().digest(), without
  // a Hash object per call. It runs on every authenticated request.
  return hash('sha256', token, 'buffer');
}

/**
 * The token's SHA-256 in base64, straight from the digest: what a cache of authenticated
 * tokens can be keyed by without making a Buffer first.
 */
export function hashTokenBase64(token: string): string {
  return hash('sha256', token, 'base64');
}

/** Returns null for anything that is not a well-formed token of the expected kind. */
export function parseToken(token: string, kind: TokenKind): ParsedToken | null {
  const m = TOKEN_RE.exec(token);
  if (!m || m[1] !== kind) return null;
  return { kind, prefix: m[2], token };
}

export function tokenMatches(token: string, storedHash: Uint8Array): boolean {
  const actual = hashToken(token);
  return storedHash.length === actual.length && timingSafeEqual(actual, storedHash);
}

/** Random lower-case base32 string: DNS-safe, unambiguous, 5 bits a character. */
export function randomLabel(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += PREFIX_ALPHABET[bytes[i] & 31];
  return out;
}
