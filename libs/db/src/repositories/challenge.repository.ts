import { Inject, Injectable } from '@nestjs/common';
import type { Challenge, ChallengeStatus, Prisma, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';

@Injectable()
export class ChallengeRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Records the challenge chosen for an authorization; solving it again later finds the same row. */
  upsert(data: Prisma.ChallengeUncheckedCreateInput): Promise<Challenge> {
    return this.prisma.challenge.upsert({
      where: {
        requestId_authorizationUrl: { requestId: data.requestId, authorizationUrl: data.authorizationUrl },
      },
      create: data,
      update: {
        token: data.token,
        keyAuthorization: data.keyAuthorization,
        challengeUrl: data.challengeUrl,
        type: data.type,
        expiresAt: data.expiresAt,
      },
    });
  }

  setStatus(id: string, status: ChallengeStatus): Promise<Challenge> {
    return this.prisma.challenge.update({ where: { id }, data: { status } });
  }

  listForRequest(requestId: string): Promise<Challenge[]> {
    return this.prisma.challenge.findMany({ where: { requestId } });
  }

  /** The http-01 challenge a public token belongs to, while it is being solved; null otherwise. */
  findServableHttp01(token: string): Promise<Challenge | null> {
    return this.prisma.challenge.findFirst({
      where: { token, type: 'http_01', status: { in: ['pending', 'presented'] } },
    });
  }

  /** A device's http-01 challenges that are being solved now (pull mode). */
  listServableHttp01ForDevice(deviceId: string): Promise<Challenge[]> {
    return this.prisma.challenge.findMany({
      where: { type: 'http_01', status: { in: ['pending', 'presented'] }, request: { deviceId } },
      orderBy: { createdAt: 'asc' },
      take: 100,
    });
  }

  /** Marks pending challenges as fetched by their device: the worker may answer them now. */
  async markPresented(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.challenge.updateMany({
      where: { id: { in: ids }, status: 'pending' },
      data: { status: 'presented' },
    });
  }

  get(id: string): Promise<Challenge | null> {
    return this.prisma.challenge.findUnique({ where: { id } });
  }
}
