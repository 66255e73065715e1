/**
 * The dashboard's cookies. The session token travels only in `fleetcert_session`:
 * HttpOnly (no script can read it), SameSite=Strict (no other site can make the browser
 * send it) and scoped to the admin API's path. `fleetcert_signed_in` carries no secret: it
 * only tells the dashboard's script that a session exists, so that a signed-out page does
 * not have to probe the API (and log a 401) to find out.
 */
export const SESSION_COOKIE = 'fleetcert_session';
export const SIGNED_IN_COOKIE = 'fleetcert_signed_in';
export const SESSION_COOKIE_PATH = '/v1/admin';

/**
 * Requests that change state through a session must carry this header. A cross-site form
 * cannot set headers, and a cross-site script cannot send one without a CORS preflight
 * this API never grants: a second wall behind SameSite=Strict.
 */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'fleetcert-dashboard';

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` values that start a session lasting until `expiresAt`. */
export function sessionCookies(
  token: string,
  expiresAt: Date,
  opts: { secure: boolean; now?: Date },
): string[] {
  const maxAge = Math.max(0, Math.round((expiresAt.getTime() - (opts.now ?? new Date()).getTime()) / 1000));
  const common = `Max-Age=${maxAge}; Expires=${expiresAt.toUTCString()}; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
  return [
    `${SESSION_COOKIE}=${token}; Path=${SESSION_COOKIE_PATH}; HttpOnly; ${common}`,
    `${SIGNED_IN_COOKIE}=1; Path=/; ${common}`,
  ];
}

/** `Set-Cookie` values that remove both cookies. */
export function clearedSessionCookies(opts: { secure: boolean }): string[] {
  const gone = `Max-Age=0; Expires=${new Date(0).toUTCString()}; SameSite=Strict${opts.secure ? '; Secure' : ''}`;
  return [
    `${SESSION_COOKIE}=; Path=${SESSION_COOKIE_PATH}; HttpOnly; ${gone}`,
    `${SIGNED_IN_COOKIE}=; Path=/; ${gone}`,
  ];
}
