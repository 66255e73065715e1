import { ForbiddenException, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport';
import { parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { OperatorSessionRepository } from '@fleetcert/db';
import type { OperatorPrincipal } from './principal';
import { CSRF_HEADER, CSRF_HEADER_VALUE, readCookie, SESSION_COOKIE } from './session-cookie';

type Verify = (req: FastifyRequest, done: (err: unknown, user?: unknown) => void) => void;

/** A Passport strategy that hands the whole request to its verify callback. */
class RequestStrategy extends Strategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(req: unknown): void {
    this.verify(req as FastifyRequest, (err, user) => {
      if (err) this.error(err);
      else if (user) this.success(user as Express.User);
      else this.fail(401);
    });
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `Cookie: fleetcert_session=fcs_…` → the operator who signed in to the dashboard, with
 * the role of that operator. The session dies with its expiry, with sign-out, and with the
 * API key it was exchanged for.
 */
@Injectable()
export class OperatorSessionStrategy extends PassportStrategy(RequestStrategy, 'operator-session') {
  constructor(private readonly sessions: OperatorSessionRepository) {
    super();
  }

  async validate(req: FastifyRequest): Promise<OperatorPrincipal | false> {
    const parsed = parseToken(readCookie(req.headers.cookie, SESSION_COOKIE) ?? '', TOKEN_KINDS.session);
    if (!parsed) return false;
    const session = await this.sessions.getByPrefix(parsed.prefix);
    if (!session || !tokenMatches(parsed.token, session.hash)) return false;
    if (session.revokedAt || session.apiKey.revokedAt || session.expiresAt.getTime() <= Date.now())
      return false;
    if (!SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] !== CSRF_HEADER_VALUE) {
      throw new ForbiddenException(
        `Changes through a dashboard session need the header ${CSRF_HEADER}: ${CSRF_HEADER_VALUE}`,
      );
    }
    return {
      kind: 'operator',
      operator: session.operator,
      apiKeyId: session.apiKeyId,
      session: { id: session.id, expiresAt: session.expiresAt },
    };
  }
}
