import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ApiKey, Operator, OperatorRole, PrismaClient } from '../generated/client';
import { queryOne, statement } from '../sql/statement';
import { utcParam } from '../sql/utc-param';
import { PG_POOL, PRISMA } from '../tokens';
import type { Db } from './audit.repository';

export type ApiKeyWithOperator = ApiKey & { operator: Operator };

@Injectable()
export class OperatorRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  get db(): PrismaClient {
    return this.prisma;
  }

  getByName(name: string): Promise<Operator | null> {
    return this.prisma.operator.findUnique({ where: { name } });
  }

  create(data: { name: string; role: OperatorRole }, tx: Db = this.prisma): Promise<Operator> {
    return tx.operator.create({ data });
  }

  createKey(
    data: { operatorId: string; name: string; prefix: string; hash: Buffer },
    tx: Db = this.prisma,
  ): Promise<ApiKey> {
    return tx.apiKey.create({ data: { ...data, hash: new Uint8Array(data.hash) } });
  }

  /** The one indexed lookup behind every operator request: the key with its operator, in one prepared statement. */
  async getKeyByPrefix(prefix: string): Promise<ApiKeyWithOperator | null> {
    const row = await queryOne<KeyWithOperatorRow>(this.pool, KEY_BY_PREFIX, [prefix]);
    if (!row) return null;
    const { operatorName, role, operatorCreatedAt, ...key } = row;
    return {
      ...key,
      hash: key.hash as ApiKey['hash'],
      operator: { id: key.operatorId, name: operatorName, role, createdAt: operatorCreatedAt },
    };
  }

  listKeys(operatorId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ where: { operatorId }, orderBy: { createdAt: 'asc' } });
  }

  /** Revokes a key of this operator; returns false when there is no such (unrevoked) key. */
  async revokeKey(operatorId: string, keyId: string, tx: Db = this.prisma): Promise<boolean> {
    const { count } = await tx.apiKey.updateMany({
      where: { id: keyId, operatorId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }

  /** Names of these operators (ids that no longer exist are left out), to show who did what. */
  async namesByIds(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.operator.findMany({
      where: { id: { in: ids } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Best-effort usage stamp; callers throttle it so that it is not a write per request. */
  async touchKey(id: string, at: Date): Promise<void> {
    await this.pool.query({ ...TOUCH_KEY, values: [id, at] });
  }
}

/** {@link KEY_BY_PREFIX}'s row: the key's columns, then the operator's, renamed where they clash. */
type KeyWithOperatorRow = Omit<ApiKey, 'hash'> & {
  hash: Buffer;
  operatorName: string;
  role: OperatorRole;
  operatorCreatedAt: Date;
};

const KEY_BY_PREFIX = statement(
  'operators.keyByPrefix',
  `SELECT k.id, k."operatorId", k.name, k.prefix, k.hash, k."createdAt", k."lastUsedAt", k."revokedAt",
          o.name AS "operatorName", o.role, o."createdAt" AS "operatorCreatedAt"
     FROM api_keys k
     JOIN operators o ON o.id = k."operatorId"
    WHERE k.prefix = $1`,
);

const TOUCH_KEY = statement(
  'operators.touchKey',
  `UPDATE api_keys SET "lastUsedAt" = ${utcParam(2)} WHERE id = $1::uuid`,
);
