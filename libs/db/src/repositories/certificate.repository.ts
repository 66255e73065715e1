import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Certificate, PrismaClient } from '../generated/client';
import { queryOne, statement } from '../sql/statement';
import { utcParam } from '../sql/utc-param';
import { PG_POOL, PRISMA } from '../tokens';

/** A certificate the CA issued for a request, with its first renewal plan. */
export interface IssuedCertificate {
  requestId: string;
  serial: string;
  ariCertId: string;
  notBefore: Date;
  notAfter: Date;
  chainPem: string;
  publicKeySha256: string;
  renewalStart: Date | null;
  renewalEnd: Date | null;
  renewAt: Date | null;
  nextCheckAt: Date | null;
  /** When certificates this one supersedes are to be revoked; null: never. */
  revokeSupersededAt: Date | null;
}

/**
 * Rate-limit buckets (see `RateLimitRepository`) that an issuance refills: every identifier
 * validated, so its consecutive-failure count starts again.
 */
export interface BucketsToRefill {
  scope: string;
  buckets: readonly { limit: string; key: string }[];
}

@Injectable()
export class CertificateRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * Stores an issued certificate and finishes its request, atomically (one statement):
   * - the certificate, for the request's device and identifier set;
   * - its succession: the device's live certificates for the same identifiers from older
   *   requests, and the one the request was to replace, are superseded by it; but if a live
   *   one from a newer request exists (the device rotated its key meanwhile), the new one is
   *   stored already superseded by that. Superseded certificates stop renewing, and are
   *   revoked at `revokeSupersededAt` when set;
   * - the request: `valid`, completed now, its last error and deferral cleared;
   * - the `refill` buckets refilled (their rows deleted: a missing row is a full bucket).
   *
   * @returns the new certificate's id
   */
  async storeIssued(cert: IssuedCertificate, now: Date, refill?: BucketsToRefill): Promise<string> {
    const row = await queryOne<{ id: string }>(this.pool, STORE_ISSUED, [
      cert.requestId,
      cert.serial,
      cert.ariCertId,
      cert.notBefore,
      cert.notAfter,
      cert.chainPem,
      cert.publicKeySha256,
      cert.renewalStart,
      cert.renewalEnd,
      cert.renewAt,
      cert.nextCheckAt,
      cert.revokeSupersededAt,
      now,
      refill?.scope ?? null,
      refill?.buckets.map((b) => b.limit) ?? [],
      refill?.buckets.map((b) => b.key) ?? [],
    ]);
    if (!row) throw new Error(`certificate request ${cert.requestId} does not exist`);
    return row.id;
  }

  getById(id: string): Promise<Certificate | null> {
    return this.prisma.certificate.findUnique({ where: { id } });
  }
}

/**
 * See {@link CertificateRepository.storeIssued}. Sibling CTEs see the snapshot taken before
 * the statement, so the new certificate is not among the rows `newer` and `superseded` look
 * at; the newer one's id goes into the INSERT instead of a later UPDATE of the new row.
 */
const STORE_ISSUED = statement(
  'certificates.storeIssued',
  `WITH req AS (
     SELECT id, "deviceId", "identifierSet", "createdAt", "replacesCertificateId"
       FROM certificate_requests WHERE id = $1::uuid),
   newer AS (
     SELECT c.id
       FROM certificates c JOIN certificate_requests r ON r.id = c."requestId", req
      WHERE c."deviceId" = req."deviceId" AND c."identifierSet" = req."identifierSet"
        AND c."supersededById" IS NULL AND c."revokedAt" IS NULL AND r."createdAt" > req."createdAt"
        AND c.id IS DISTINCT FROM req."replacesCertificateId"
      ORDER BY r."createdAt" DESC
      LIMIT 1),
   created AS (
     INSERT INTO certificates
            (id, "requestId", "deviceId", serial, "ariCertId", "identifierSet", "notBefore", "notAfter",
             "chainPem", "publicKeySha256", "renewalStart", "renewalEnd", "renewAt", "nextCheckAt",
             "supersededById", "supersededAt", "createdAt")
     SELECT gen_random_uuid(), req.id, req."deviceId", $2, $3, req."identifierSet", ${utcParam(4)}, ${utcParam(5)},
            $6, $7, ${utcParam(8)}, ${utcParam(9)},
            CASE WHEN newer.id IS NULL THEN ${utcParam(10)} END,
            CASE WHEN newer.id IS NULL THEN ${utcParam(11)} ELSE ${utcParam(12)} END,
            newer.id, CASE WHEN newer.id IS NOT NULL THEN ${utcParam(13)} END, ${utcParam(13)}
       FROM req LEFT JOIN newer ON true
     RETURNING id),
   superseded AS (
     UPDATE certificates c
        SET "supersededById" = created.id, "supersededAt" = ${utcParam(13)}, "renewAt" = NULL,
            "nextCheckAt" = ${utcParam(12)}
       FROM created, req, certificate_requests r
      WHERE r.id = c."requestId" AND c."deviceId" = req."deviceId"
        AND c."supersededById" IS NULL AND c."revokedAt" IS NULL
        AND ((c."identifierSet" = req."identifierSet" AND r."createdAt" < req."createdAt")
             OR c.id = req."replacesCertificateId")),
   completed AS (
     UPDATE certificate_requests
        SET status = 'valid', "completedAt" = ${utcParam(13)}, "errorType" = NULL, "errorDetail" = NULL,
            "deferredUntil" = NULL, "updatedAt" = ${utcParam(13)}
      WHERE id = $1::uuid)
   -- The refill, a pair at a time by the buckets' unique index (migration
   -- 20261123080000_plans_without_statistics), once for the one created row.
   SELECT id::text AS id, fleetcert_refill_buckets($14, $15::text[], $16::text[]) AS refilled FROM created`,
);
