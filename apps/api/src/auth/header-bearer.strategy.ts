import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { Strategy, VerifyFunction } from 'passport-http-bearer';

/** The query or body field passport-http-bearer would also take a token from (RFC 6750 §2.2–2.3). */
export const TOKEN_FIELD = 'access_token';

/**
 * Bearer tokens from the `Authorization` header only. passport-http-bearer also accepts
 * them as `?access_token=` or a body field; a token in a URL ends up in access logs,
 * proxies and shell history, so such a request is refused with 400 (saying where the
 * token goes) instead of being authenticated.
 */
export class HeaderBearerStrategy extends Strategy<VerifyFunction> {
  /** Passport's own: ends the authentication with an error (here, the 400). */
  declare error: (err: Error) => void;

  override authenticate(req: Request, options?: object): void {
    const query = req.query as Record<string, unknown> | undefined;
    const body = req.body as Record<string, unknown> | undefined;
    if (query?.[TOKEN_FIELD] !== undefined || (body && typeof body === 'object' && TOKEN_FIELD in body)) {
      return this.error(
        new BadRequestException(`Send the token in the Authorization header, not as ${TOKEN_FIELD}`),
      );
    }
    return super.authenticate(req, options);
  }
}

/** The URL with any `access_token` query value replaced, for logs. */
export function redactTokenInUrl(url: string): string {
  return url.includes(TOKEN_FIELD) ? url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]') : url;
}
