import { Inject, Injectable } from '@nestjs/common';
import type { ApiKey, Operator, OperatorSession, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';

export type SessionWithOperator = OperatorSession & { operator: Operator; apiKey: ApiKey };

export interface NewOperatorSession {
  operatorId: string;
  apiKeyId: string;
  prefix: string;
  hash: Buffer;
  expiresAt: Date;
}

/** Dashboard sign-ins. Like every credential, only the token's SHA-256 is stored. */
@Injectable()
export class OperatorSessionRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  get db(): PrismaClient {
    return this.prisma;
  }

  create(data: NewOperatorSession, tx: Db = this.prisma): Promise<OperatorSession> {
    return tx.operatorSession.create({ data: { ...data, hash: new Uint8Array(data.hash) } });
  }

  /** The one indexed lookup behind every request a signed-in dashboard makes. */
  getByPrefix(prefix: string): Promise<SessionWithOperator | null> {
    return this.prisma.operatorSession.findUnique({
      where: { prefix },
      include: { operator: true, apiKey: true },
    });
  }

  /** Ends a live session; returns false when it was already ended or never existed. */
  async revoke(id: string, at: Date, tx: Db = this.prisma): Promise<boolean> {
    const { count } = await tx.operatorSession.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: at },
    });
    return count === 1;
  }

  /** Removes sessions that expired before `before`: they can never authenticate again. */
  async deleteExpired(before: Date): Promise<number> {
    const { count } = await this.prisma.operatorSession.deleteMany({ where: { expiresAt: { lt: before } } });
    return count;
  }
}
