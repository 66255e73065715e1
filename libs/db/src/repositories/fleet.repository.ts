import { Inject, Injectable } from '@nestjs/common';
import type { Fleet, FleetPrivacy, PrismaClient } from '../generated/client';
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
}
