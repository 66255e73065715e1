import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Challenge, ChallengeStatus, ChallengeType, PrismaClient } from '../generated/client';
import { queryOne, statement } from '../sql/statement';
import { utcParam } from '../sql/utc-param';
import { PG_POOL, PRISMA } from '../tokens';

/** What the worker keeps of a challenge row while it solves it and cleans up after it. */
export type ChallengeRecord = Pick<Challenge, 'id' | 'status' | 'identifierValue' | 'keyAuthorization'>;

/** The challenge the worker chose for an authorization. */
export interface ChosenChallenge {
  requestId: string;
  type: ChallengeType;
  identifierType: string;
  identifierValue: string;
  authorizationUrl: string;
  challengeUrl: string;
  token: string;
  keyAuthorization: string;
  expiresAt?: Date | null;
}

@Injectable()
export class ChallengeRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * Records the challenge chosen for an authorization; solving it again later finds the same
   * row. With `status`, the row has that status from now on; without, a new row is `pending`
   * and an existing one keeps its status, unless its key authorization changed (the account
   * key was rolled over): then it is `pending` again, for a pull-mode device to fetch anew.
   */
  async upsert(data: ChosenChallenge, status?: ChallengeStatus): Promise<ChallengeRecord> {
    const row = await queryOne<ChallengeRecord>(this.pool, UPSERT, [
      data.requestId,
      CHALLENGE_TYPE_VALUES[data.type],
      data.identifierType,
      data.identifierValue,
      data.authorizationUrl,
      data.challengeUrl,
      data.token,
      data.keyAuthorization,
      data.expiresAt ?? null,
      new Date(),
      status ?? null,
    ]);
    return row!;
  }

  async setStatus(id: string, status: ChallengeStatus): Promise<ChallengeRecord> {
    const row = await queryOne<ChallengeRecord>(this.pool, SET_STATUS, [id, status, new Date()]);
    if (!row) throw new Error(`challenge ${id} does not exist`);
    return row;
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

/** The stored values of ChallengeType (Prisma maps `dns_01` to `dns-01`). */
const CHALLENGE_TYPE_VALUES: Readonly<Record<ChallengeType, string>> = {
  dns_01: 'dns-01',
  http_01: 'http-01',
};

const RECORD_COLUMNS = `id::text AS id, status::text AS status, "identifierValue", "keyAuthorization"`;

const UPSERT = statement(
  'challenges.upsert',
  `INSERT INTO challenges AS c
          (id, "requestId", type, "identifierType", "identifierValue", "authorizationUrl", "challengeUrl",
           token, "keyAuthorization", "expiresAt", status, "createdAt", "updatedAt")
   VALUES (gen_random_uuid(), $1::uuid, $2::"ChallengeType", $3, $4, $5, $6, $7, $8, ${utcParam(9)},
           COALESCE($11::"ChallengeStatus", 'pending'), ${utcParam(10)}, ${utcParam(10)})
   ON CONFLICT ("requestId", "authorizationUrl") DO UPDATE
      SET token = EXCLUDED.token, "keyAuthorization" = EXCLUDED."keyAuthorization",
          "challengeUrl" = EXCLUDED."challengeUrl", type = EXCLUDED.type, "expiresAt" = EXCLUDED."expiresAt",
          status = COALESCE($11::"ChallengeStatus",
                            CASE WHEN c."keyAuthorization" IS DISTINCT FROM EXCLUDED."keyAuthorization"
                                 THEN 'pending'::"ChallengeStatus" ELSE c.status END),
          "updatedAt" = EXCLUDED."updatedAt"
   RETURNING ${RECORD_COLUMNS}`,
);

const SET_STATUS = statement(
  'challenges.setStatus',
  `UPDATE challenges SET status = $2::"ChallengeStatus", "updatedAt" = ${utcParam(3)}
    WHERE id = $1::uuid
   RETURNING ${RECORD_COLUMNS}`,
);
