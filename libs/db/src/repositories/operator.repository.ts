import { Inject, Injectable } from '@nestjs/common';
import type { ApiKey, Operator, OperatorRole, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';

export type ApiKeyWithOperator = ApiKey & { operator: Operator };

@Injectable()
export class OperatorRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

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

  /** The one indexed lookup behind every operator request. */
  getKeyByPrefix(prefix: string): Promise<ApiKeyWithOperator | null> {
    return this.prisma.apiKey.findUnique({ where: { prefix }, include: { operator: true } });
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
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }
}
