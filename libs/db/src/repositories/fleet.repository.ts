import { Inject, Injectable } from '@nestjs/common';
import type { Fleet, FleetPrivacy, Prisma, PrismaClient } from '../generated/client';
import type { Db } from './audit.repository';
import { PRISMA } from '../tokens';

@Injectable()
export class FleetRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  getByName(name: string): Promise<Fleet | null> {
    return this.prisma.fleet.findUnique({ where: { name } });
  }

  getById(id: string): Promise<Fleet | null> {
    return this.prisma.fleet.findUnique({ where: { id } });
  }

  /** Creates the fleet if it does not exist yet; an existing one is returned unchanged. */
  async ensure(data: { name: string; zone: string; privacy: FleetPrivacy }): Promise<Fleet> {
    return this.prisma.fleet.upsert({ where: { name: data.name }, create: data, update: {} });
  }

  get db(): PrismaClient {
    return this.prisma;
  }

  update(id: string, data: Prisma.FleetUpdateInput, tx: Db = this.prisma): Promise<Fleet> {
    return tx.fleet.update({ where: { id }, data });
  }
}
