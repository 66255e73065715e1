import { certificateState } from './certificate-state';

describe('certificateState', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const days = (n: number) => new Date(now.getTime() + n * 24 * 3600_000);
  const live = { revokedAt: null, supersededById: null };

  it('should call a certificate ending within 7 days expiring, and one past its end expired', () => {
    expect(certificateState({ ...live, notAfter: days(30) }, now)).toBe('valid');
    expect(certificateState({ ...live, notAfter: days(7) }, now)).toBe('expiring');
    expect(certificateState({ ...live, notAfter: days(0.01) }, now)).toBe('expiring');
    expect(certificateState({ ...live, notAfter: now }, now)).toBe('expired');
  });

  it('should put revocation and replacement before dates', () => {
    expect(certificateState({ notAfter: days(-3), revokedAt: now, supersededById: 'x' }, now)).toBe(
      'revoked',
    );
    expect(certificateState({ notAfter: days(30), revokedAt: null, supersededById: 'x' }, now)).toBe(
      'superseded',
    );
  });
});
