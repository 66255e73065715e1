import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { issueToken, TOKEN_KINDS } from '@fleetcert/auth';
import { ApiKey, AuditRepository, OperatorRepository, OperatorRole } from '@fleetcert/db';
import type { ApiKeyView, CreatedApiKeyView, CreatedOperatorView } from './api-keys.dto';

/** Actor of an operator-management action: an operator, or the local CLI (`system`). */
export type OperatorActor = { kind: 'operator'; operatorId: string } | { kind: 'system' };

@Injectable()
export class OperatorsService {
  constructor(
    private readonly operators: OperatorRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** Creates an operator with a first API key (used by the admin API and by `npm run operator:create`). */
  async createOperator(actor: OperatorActor, name: string, role: OperatorRole): Promise<CreatedOperatorView> {
    if (await this.operators.getByName(name))
      throw new ConflictException(`Operator "${name}" already exists`);
    const issued = issueToken(TOKEN_KINDS.operator);
    return this.operators.db.$transaction(async (tx) => {
      const operator = await this.operators.create({ name, role }, tx);
      const key = await this.operators.createKey(
        { operatorId: operator.id, name: 'initial', prefix: issued.prefix, hash: issued.hash },
        tx,
      );
      await this.audit.create(
        {
          ...actorOf(actor),
          action: 'operator.create',
          targetType: 'operator',
          targetId: operator.id,
          details: { name, role },
        },
        tx,
      );
      return { id: operator.id, name, role, apiKey: { ...toApiKeyView(key), key: issued.token } };
    });
  }

  async listKeys(operatorId: string): Promise<ApiKeyView[]> {
    return (await this.operators.listKeys(operatorId)).map(toApiKeyView);
  }

  async createKey(operatorId: string, name: string): Promise<CreatedApiKeyView> {
    const issued = issueToken(TOKEN_KINDS.operator);
    return this.operators.db.$transaction(async (tx) => {
      const key = await this.operators.createKey(
        { operatorId, name, prefix: issued.prefix, hash: issued.hash },
        tx,
      );
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: operatorId,
          action: 'api-key.create',
          targetType: 'api-key',
          targetId: key.id,
          details: { name },
        },
        tx,
      );
      return { ...toApiKeyView(key), key: issued.token };
    });
  }

  async revokeKey(operatorId: string, keyId: string): Promise<void> {
    await this.operators.db.$transaction(async (tx) => {
      if (!(await this.operators.revokeKey(operatorId, keyId, tx))) {
        throw new NotFoundException(`No live API key ${keyId} of yours`);
      }
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: operatorId,
          action: 'api-key.revoke',
          targetType: 'api-key',
          targetId: keyId,
        },
        tx,
      );
    });
  }
}

function actorOf(actor: OperatorActor) {
  return actor.kind === 'operator'
    ? { actorType: 'operator' as const, actorId: actor.operatorId }
    : { actorType: 'system' as const, actorId: 'cli' };
}

function toApiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}
