import { Inject, Injectable } from '@nestjs/common';
import type { ActorType, AuditEvent, Prisma, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  details?: Prisma.InputJsonObject;
}

/** Anything that can run Prisma queries: the client or an open transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;

@Injectable()
export class AuditRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Records one event; pass `tx` to make it part of the change it describes. */
  async create(entry: AuditEntry, tx: Db = this.prisma): Promise<void> {
    await tx.auditEvent.create({ data: { ...entry, details: entry.details ?? {} } });
  }

  async createMany(entries: AuditEntry[], tx: Db = this.prisma): Promise<void> {
    await tx.auditEvent.createMany({ data: entries.map((e) => ({ ...e, details: e.details ?? {} })) });
  }

  list(filter: {
    targetType?: string;
    targetId?: string;
    before?: bigint;
    limit: number;
  }): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: {
        targetType: filter.targetType,
        targetId: filter.targetId,
        id: filter.before !== undefined ? { lt: filter.before } : undefined,
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
  }
}
