import { createHash } from 'node:crypto';
import {
  hashToken,
  hashTokenBase64,
  issueToken,
  parseToken,
  randomLabel,
  tokenMatches,
} from './secret-token';

describe('secret tokens', () => {
  it('should issue a token that parses back to its prefix and matches its hash', () => {
    const issued = issueToken('fcd');
    const parsed = parseToken(issued.token, 'fcd');
    expect(parsed?.prefix).toBe(issued.prefix);
    expect(tokenMatches(issued.token, issued.hash)).toBe(true);
  });

  it('should carry at least 256 random bits besides the prefix', () => {
    const { token, prefix } = issueToken('fco');
    const secret = token.slice(`fco_${prefix}_`.length);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('should refuse a token of the other kind or a malformed one', () => {
    const { token } = issueToken('fco');
    expect(parseToken(token, 'fcd')).toBeNull();
    expect(parseToken(`${token}x`, 'fco')).toBeNull();
    expect(parseToken('Bearer nonsense', 'fco')).toBeNull();
  });

  it('should not match a token that differs in one character', () => {
    const { token, hash } = issueToken('fcd');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(tokenMatches(token.slice(0, -1) + last, hash)).toBe(false);
    expect(tokenMatches(token, hashToken('other'))).toBe(false);
  });

  it("should hash to the token's UTF-8 SHA-256, as a Buffer and in base64", () => {
    for (const token of [issueToken('fcd').token, 'ünïcödé ✓ 😀', '']) {
      const expected = createHash('sha256').update(Buffer.from(token, 'utf8')).digest();
      const hash = hashToken(token);
      expect(Buffer.isBuffer(hash)).toBe(true);
      expect(hash.equals(expected)).toBe(true);
      expect(hashTokenBase64(token)).toBe(expected.toString('base64'));
    }
  });

  it('should make DNS-safe labels of the asked length', () => {
    const labels = new Set(Array.from({ length: 1000 }, () => randomLabel(10)));
    expect(labels.size).toBe(1000);
    for (const l of labels) expect(l).toMatch(/^[a-z2-7]{10}$/);
  });
});
