import { Inject, Injectable } from '@nestjs/common';
import type { ActorType, AuditEvent, Prisma, PrismaClient } from '../generated/client';
import { TX_UTC_NOW } from '../sql/utc-timestamp';
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

  /**
   * Records many events in one statement. Raw SQL on arrays, not Prisma's `createMany`,
   * whose per-call query plan grows with its rows and stays in Prisma's debug history
   * (see `DeviceRepository.createMany`).
   */
  async createMany(entries: AuditEntry[], tx: Db = this.prisma): Promise<void> {
    if (entries.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO audit_events ("actorType", "actorId", action, "targetType", "targetId", details, "createdAt")
      SELECT *, ${TX_UTC_NOW} FROM unnest(
        ${entries.map((e) => e.actorType)}::"ActorType"[], ${entries.map((e) => e.actorId ?? null)}::text[],
        ${entries.map((e) => e.action)}::text[], ${entries.map((e) => e.targetType ?? null)}::text[],
        ${entries.map((e) => e.targetId ?? null)}::text[], ${entries.map((e) => JSON.stringify(e.details ?? {}))}::jsonb[]
      )`;
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
