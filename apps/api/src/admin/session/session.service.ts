import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { issueToken, parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { AuditRepository, OperatorRepository, OperatorSessionRepository } from '@fleetcert/db';
import { errorMessage } from '@fleetcert/observability';
import type { OperatorPrincipal } from '../../auth/principal';
import type { SessionView } from './session.dto';

/** A new session: the token for the cookie (never stored in clear) and what to show. */
export interface StartedSession {
  token: string;
  expiresAt: Date;
  view: SessionView;
}

/**
 * Dashboard sign-in: an operator API key is exchanged for a session token that lives only
 * in an HttpOnly cookie, so the key itself never stays in the browser.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly operators: OperatorRepository,
    private readonly sessions: OperatorSessionRepository,
    private readonly audit: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(apiKey: string): Promise<StartedSession> {
    const parsed = parseToken(apiKey.trim(), TOKEN_KINDS.operator);
    const key = parsed ? await this.operators.getKeyByPrefix(parsed.prefix) : null;
    if (!parsed || !key || key.revokedAt || !tokenMatches(parsed.token, key.hash)) {
      throw new UnauthorizedException('That is not a valid operator API key');
    }
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.dashboard.sessionTtlMs);
    const issued = issueToken(TOKEN_KINDS.session);
    const session = await this.sessions.db.$transaction(async (tx) => {
      const created = await this.sessions.create(
        { operatorId: key.operatorId, apiKeyId: key.id, prefix: issued.prefix, hash: issued.hash, expiresAt },
        tx,
      );
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: key.operatorId,
          action: 'session.create',
          targetType: 'session',
          targetId: created.id,
          details: { apiKeyId: key.id, expiresAt: expiresAt.toISOString() },
        },
        tx,
      );
      return created;
    });
    // Housekeeping on the rare sign-in path keeps the table small without a timer.
    this.sessions
      .deleteExpired(now)
      .catch((err) => this.logger.warn({ err: errorMessage(err) }, 'could not remove expired sessions'));
    return {
      token: issued.token,
      expiresAt,
      view: this.describe({
        kind: 'operator',
        operator: key.operator,
        apiKeyId: key.id,
        session: { id: session.id, expiresAt },
      }),
    };
  }

  /** Ends the session the cookie names, if it is live; signing out twice is not an error. */
  async end(cookieToken: string | undefined): Promise<void> {
    const parsed = parseToken(cookieToken ?? '', TOKEN_KINDS.session);
    if (!parsed) return;
    const session = await this.sessions.getByPrefix(parsed.prefix);
    if (!session || !tokenMatches(parsed.token, session.hash)) return;
    await this.sessions.db.$transaction(async (tx) => {
      if (!(await this.sessions.revoke(session.id, new Date(), tx))) return;
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: session.operatorId,
          action: 'session.delete',
          targetType: 'session',
          targetId: session.id,
        },
        tx,
      );
    });
  }

  describe(auth: OperatorPrincipal): SessionView {
    return {
      operator: { id: auth.operator.id, name: auth.operator.name, role: auth.operator.role },
      via: auth.session ? 'session' : 'api-key',
      expiresAt: auth.session?.expiresAt.toISOString() ?? null,
    };
  }
}
