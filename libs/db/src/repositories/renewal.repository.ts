import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Certificate, DeviceStatus, PrismaClient, RequestStatus } from '../generated/client';
import { inTransaction, query, queryOne, statement } from '../sql/statement';
import { utcParam } from '../sql/utc-param';
import { PG_POOL, PRISMA } from '../tokens';
import type { Db } from './audit.repository';
import { lockDeviceSql } from './certificate-request.submission-sql';

/** A certificate the renewal scheduler has claimed, with what it needs to decide. */
export interface DueCertificate {
  id: string;
  requestId: string;
  deviceId: string;
  deviceStatus: DeviceStatus;
  /** What the device holds now: its hostname and the addresses it last reported. */
  deviceHostname: string;
  deviceIpv4: string | null;
  deviceIpv6: string | null;
  identifierSet: string;
  chainPem: string;
  ariCertId: string;
  notBefore: Date;
  notAfter: Date;
  renewalStart: Date | null;
  renewalEnd: Date | null;
  renewAt: Date | null;
  ariCheckedAt: Date | null;
  supersededById: string | null;
  supersededAt: Date | null;
  revokedAt: Date | null;
}

/** Replacement requests of one certificate, as far as the scheduler cares. */
export interface ReplacementState {
  /** A replacement request is pending, deferred or processing. */
  open: boolean;
  /** Failed replacement requests so far, and when the last one failed. */
  failed: number;
  lastFailedAt: Date | null;
}

/** What the scheduler decided for a certificate (fields left out are not changed). */
export interface RenewalSchedule {
  renewalStart?: Date;
  renewalEnd?: Date;
  renewAt?: Date | null;
  ariCheckedAt?: Date;
  nextCheckAt: Date | null;
}

// The pass's statements, prepared (`sql/statement.ts`): at 100,000 devices a pass with 1%
// due runs `schedule` and `createRenewal` about a thousand times each, and Prisma's query
// compilation cost more Node CPU than everything else in the pass.

/** Claims a batch: $1 now, $2 lease end, $3 batch size. */
const CLAIM_DUE = statement(
  'renewal_claim_due',
  `UPDATE certificates c
      SET "nextCheckAt" = ${utcParam(2)}
     FROM devices d
    WHERE d.id = c."deviceId"
      AND c.id IN (SELECT id FROM certificates
                    WHERE "nextCheckAt" <= ${utcParam(1)}
                    ORDER BY "nextCheckAt"
                    LIMIT $3
                    FOR UPDATE SKIP LOCKED)
   RETURNING c.id::text AS id, c."requestId"::text AS "requestId", c."deviceId"::text AS "deviceId",
             d.status::text AS "deviceStatus", d.hostname AS "deviceHostname", d.ipv4 AS "deviceIpv4",
             d.ipv6 AS "deviceIpv6", c."identifierSet", c."chainPem", c."ariCertId",
             c."notBefore", c."notAfter", c."renewalStart", c."renewalEnd", c."renewAt", c."ariCheckedAt",
             c."supersededById"::text AS "supersededById", c."supersededAt", c."revokedAt"`,
);

/** $1 the certificate ids. */
const REPLACEMENT_STATES = statement(
  'renewal_replacement_states',
  `SELECT "replacesCertificateId"::text AS id,
          bool_or(status IN ('pending', 'deferred', 'processing')) AS open,
          (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
          max("updatedAt") FILTER (WHERE status = 'failed') AS "lastFailedAt"
     FROM certificate_requests
    WHERE "replacesCertificateId" = ANY($1::uuid[])
    GROUP BY 1`,
);

/**
 * $1 certificate, $2 nextCheckAt; $3 renewalStart, $4 renewalEnd, $5 ariCheckedAt (null:
 * unchanged, they are never cleared); $6 whether to set renewAt, $7 its value (may be null);
 * $8 whether the pass decided on the certificate as superseded.
 *
 * A pass decides on the row as it claimed it, and the row can change before the decision
 * is stored: an operator revokes the certificate, or its replacement is issued and
 * supersedes it (and that write plans the old one's revocation). What those writes
 * settled stands: a revoked certificate is never scheduled again, and a certificate
 * superseded since the pass claimed it as live keeps the `nextCheckAt` its supersession
 * set; neither has a `renewAt`. The UPDATE reads the row as committed when it takes the
 * row's lock, so a write that committed first is seen here.
 */
const SCHEDULE = statement(
  'renewal_schedule',
  `UPDATE certificates
      SET "nextCheckAt" = CASE WHEN "revokedAt" IS NOT NULL THEN NULL
                               WHEN "supersededById" IS NOT NULL AND NOT $8::boolean THEN "nextCheckAt"
                               ELSE ${utcParam(2)} END,
          "renewalStart" = COALESCE(${utcParam(3)}, "renewalStart"),
          "renewalEnd" = COALESCE(${utcParam(4)}, "renewalEnd"),
          "ariCheckedAt" = COALESCE(${utcParam(5)}, "ariCheckedAt"),
          "renewAt" = CASE WHEN "revokedAt" IS NOT NULL OR "supersededById" IS NOT NULL THEN NULL
                           WHEN $6::boolean THEN ${utcParam(7)}
                           ELSE "renewAt" END
    WHERE id = $1::uuid`,
);

/** $1 the certificate, $2 the ARI certID to send as `replaces` (or null). */
const CREATE_RENEWAL = statement(
  'renewal_create_request',
  `INSERT INTO certificate_requests
          (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
           profile, "challengeType", "http01Mode", "replacesCertificateId", "ariReplaces", "isRenewal",
           attempts, "createdAt", "updatedAt")
   SELECT gen_random_uuid(), r."deviceId", 'pending', r.identifiers, r."identifierSet", r."csrPem", r."csrSha256",
          r."publicKeySha256", r.profile, r."challengeType", r."http01Mode", c.id, $2::text, true,
          0, t.now, t.now
     FROM certificates c JOIN certificate_requests r ON r.id = c."requestId",
          (SELECT clock_timestamp() AT TIME ZONE 'UTC' AS now) t
    WHERE c.id = $1::uuid AND c."supersededById" IS NULL AND c."revokedAt" IS NULL
      AND NOT EXISTS (SELECT 1 FROM certificate_requests o
                       WHERE o."replacesCertificateId" = c.id AND o.status IN ('pending', 'deferred', 'processing'))
   RETURNING id::text AS id, status::text AS status`,
);

/** $1 the certificate: its newest open replacement. */
const OPEN_REPLACEMENT = statement(
  'renewal_open_replacement',
  `SELECT id::text AS id, status::text AS status
     FROM certificate_requests
    WHERE "replacesCertificateId" = $1::uuid AND status IN ('pending', 'deferred', 'processing')
    ORDER BY "createdAt" DESC
    LIMIT 1`,
);

/**
 * The renewal scheduler's queries. Certificates are its work queue: `nextCheckAt` (indexed)
 * says when each needs a look, and {@link claimDue} takes a batch with `FOR UPDATE SKIP
 * LOCKED`, moving each claimed row's `nextCheckAt` past a lease so that no other worker
 * takes it — several workers share the work and none handles a certificate twice.
 */
@Injectable()
export class RenewalRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  get db(): PrismaClient {
    return this.prisma;
  }

  /**
   * Claims up to `limit` certificates due at `now`, oldest first, pushing their
   * `nextCheckAt` to `leaseUntil`: a worker that dies mid-batch leaves them to be claimed
   * again after the lease. Returns them with their device's status.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<DueCertificate[]> {
    return query<DueCertificate>(this.pool, CLAIM_DUE, [now, leaseUntil, limit]);
  }

  /** How the replacements of these certificates stand, by certificate id (absent: none yet). */
  async replacementStates(certificateIds: string[]): Promise<Map<string, ReplacementState>> {
    if (certificateIds.length === 0) return new Map();
    const rows = await query<{ id: string; open: boolean; failed: number; lastFailedAt: Date | null }>(
      this.pool,
      REPLACEMENT_STATES,
      [certificateIds],
    );
    return new Map(rows.map(({ id, ...state }) => [id, state]));
  }

  /**
   * Stores what the scheduler decided on the certificate as it claimed it, live or already
   * superseded (`decidedOn`), unless the row has changed since in a way that settles it:
   * see the statement. A certificate deleted meanwhile has nothing to schedule.
   */
  async schedule(
    certificateId: string,
    schedule: RenewalSchedule,
    decidedOn: 'live' | 'superseded' = 'live',
  ): Promise<void> {
    await query(this.pool, SCHEDULE, [
      certificateId,
      schedule.nextCheckAt,
      schedule.renewalStart ?? null,
      schedule.renewalEnd ?? null,
      schedule.ariCheckedAt ?? null,
      schedule.renewAt !== undefined,
      schedule.renewAt ?? null,
      decidedOn === 'superseded',
    ]);
  }

  /**
   * Creates the server's renewal request for a certificate: same device, identifiers, CSR
   * (the device's key) and profile, `replaces` it. Under the device's lock (the one
   * submissions take), so it never duplicates an open replacement (scheduler, forced
   * renewal or the device's own new CSR): then that one is returned. `null` when the
   * certificate is gone, superseded or revoked. One INSERT … SELECT, the lock sent with
   * BEGIN: three round trips in all, as it runs for every renewal of the fleet.
   */
  async createRenewal(
    certificate: { id: string; deviceId: string },
    ariReplaces: string | null,
  ): Promise<{ request: { id: string; status: RequestStatus }; created: boolean } | null> {
    return inTransaction(
      this.pool,
      async (tx) => {
        type Row = { id: string; status: RequestStatus };
        const created = await queryOne<Row>(tx, CREATE_RENEWAL, [certificate.id, ariReplaces]);
        if (created) return { request: created, created: true };
        const open = await queryOne<Row>(tx, OPEN_REPLACEMENT, [certificate.id]);
        return open ? { request: open, created: false } : null;
      },
      { maxWaitMs: 15_000, beginWith: lockDeviceSql(certificate.deviceId) },
    );
  }

  async markRevoked(certificateId: string, reason: string, at: Date, tx: Db = this.prisma): Promise<void> {
    await tx.certificate.update({
      where: { id: certificateId },
      data: { revokedAt: at, revokedReason: reason, renewAt: null, nextCheckAt: null },
    });
  }

  /** A certificate by its own id or by the id of the request that produced it (what devices see). */
  findCertificate(idOrRequestId: string): Promise<Certificate | null> {
    return this.prisma.certificate.findFirst({
      where: { OR: [{ id: idOrRequestId }, { requestId: idOrRequestId }] },
    });
  }

  /** The device's live certificates (neither superseded nor revoked), newest first. */
  liveForDevice(deviceId: string): Promise<Certificate[]> {
    return this.prisma.certificate.findMany({
      where: { deviceId, supersededById: null, revokedAt: null },
      orderBy: { notBefore: 'desc' },
    });
  }
}

/**
 * The ARI certID to send as `replaces` for a stored certificate, or null for the placeholder
 * issuance stores when a certificate has no Authority Key Identifier (`<request id>.noaki`):
 * ARI cannot name such a certificate.
 */
export function ariCertIdOf(stored: string): string | null {
  return stored.endsWith('.noaki') ? null : stored;
}
