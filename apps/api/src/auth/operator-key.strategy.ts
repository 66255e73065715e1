import { Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { parseToken, tokenMatches, TOKEN_KINDS } from '@fleetcert/auth';
import { OperatorRepository } from '@fleetcert/db';
import { HeaderBearerStrategy } from './header-bearer.strategy';
import type { OperatorPrincipal } from './principal';
import { UsageStamp } from './usage-stamp';

/** `Authorization: Bearer fco_…` → the operator who owns the API key. */
@Injectable()
export class OperatorKeyStrategy extends PassportStrategy(HeaderBearerStrategy, 'operator') {
  private readonly logger = new Logger(OperatorKeyStrategy.name);
  private readonly usage = new UsageStamp();

  constructor(private readonly operators: OperatorRepository) {
    super();
  }

  async validate(token: string): Promise<OperatorPrincipal | false> {
    const parsed = parseToken(token, TOKEN_KINDS.operator);
    if (!parsed) return false;
    const key = await this.operators.getKeyByPrefix(parsed.prefix);
    if (!key || key.revokedAt || !tokenMatches(parsed.token, key.hash)) return false;
    if (this.usage.due(key.id, key.lastUsedAt)) {
      this.operators
        .touchKey(key.id, new Date())
        .catch((err) => this.logger.warn({ err }, 'could not stamp key use'));
    }
    return { kind: 'operator', operator: key.operator, apiKeyId: key.id };
  }
}
