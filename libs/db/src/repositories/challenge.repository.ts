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
}
