import { clearedSessionCookies, readCookie, sessionCookies } from './session-cookie';

describe('session cookies', () => {
  describe('readCookie', () => {
    it('should find a cookie among others, with or without spaces', () => {
      expect(readCookie('a=1; fleetcert_session=fcs_x; b=2', 'fleetcert_session')).toBe('fcs_x');
      expect(readCookie('fleetcert_session=fcs_y;other=1', 'fleetcert_session')).toBe('fcs_y');
    });

    it('should not match a cookie whose name only ends or starts the same', () => {
      expect(
        readCookie('xfleetcert_session=evil; fleetcert_session_2=evil', 'fleetcert_session'),
      ).toBeUndefined();
      expect(readCookie(undefined, 'fleetcert_session')).toBeUndefined();
      expect(readCookie('', 'fleetcert_session')).toBeUndefined();
    });
  });

  describe('sessionCookies', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const expiresAt = new Date('2026-01-01T12:00:00Z');

    it('should keep the token HttpOnly, SameSite=Strict and on the admin API path only', () => {
      const [session, marker] = sessionCookies('fcs_token', expiresAt, { secure: false, now });
      expect(session).toBe(
        'fleetcert_session=fcs_token; Path=/v1/admin; HttpOnly; Max-Age=43200; Expires=Thu, 01 Jan 2026 12:00:00 GMT; SameSite=Strict',
      );
      expect(marker).toBe(
        'fleetcert_signed_in=1; Path=/; Max-Age=43200; Expires=Thu, 01 Jan 2026 12:00:00 GMT; SameSite=Strict',
      );
    });

    it('should add Secure over HTTPS', () => {
      for (const cookie of sessionCookies('fcs_token', expiresAt, { secure: true, now })) {
        expect(cookie.endsWith('; Secure')).toBe(true);
      }
    });
  });

  it('should clear both cookies on the paths they were set on', () => {
    const [session, marker] = clearedSessionCookies({ secure: false });
    expect(session).toMatch(
      /^fleetcert_session=; Path=\/v1\/admin; HttpOnly; Max-Age=0; Expires=Thu, 01 Jan 1970/,
    );
    expect(marker).toMatch(/^fleetcert_signed_in=; Path=\/; Max-Age=0;/);
  });
});
