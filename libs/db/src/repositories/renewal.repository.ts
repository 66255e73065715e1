import { Inject, Injectable } from '@nestjs/common';
import type { Certificate, DeviceStatus, PrismaClient, RequestStatus } from '../generated/client';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';
import { OPEN_STATUSES } from './certificate-request.repository';

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

/**
 * The renewal scheduler's queries. Certificates are its work queue: `nextCheckAt` (indexed)
 * says when each needs a look, and {@link claimDue} takes a batch with `FOR UPDATE SKIP
 * LOCKED`, moving each claimed row's `nextCheckAt` past a lease so that no other worker
 * takes it — several workers share the work and none handles a certificate twice.
 */
@Injectable()
export class RenewalRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  get db(): PrismaClient {
    return this.prisma;
  }

  /**
   * Claims up to `limit` certificates due at `now`, oldest first, pushing their
   * `nextCheckAt` to `leaseUntil`: a worker that dies mid-batch leaves them to be claimed
   * again after the lease. Returns them with their device's status.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<DueCertificate[]> {
    return this.prisma.$queryRaw<DueCertificate[]>`
      UPDATE certificates c
         SET "nextCheckAt" = ${leaseUntil}
        FROM devices d
       WHERE d.id = c."deviceId"
         AND c.id IN (SELECT id FROM certificates
                       WHERE "nextCheckAt" <= ${now}
                       ORDER BY "nextCheckAt"
                       LIMIT ${limit}
                       FOR UPDATE SKIP LOCKED)
      RETURNING c.id::text AS id, c."requestId"::text AS "requestId", c."deviceId"::text AS "deviceId",
                d.status::text AS "deviceStatus", d.hostname AS "deviceHostname", d.ipv4 AS "deviceIpv4",
                d.ipv6 AS "deviceIpv6", c."identifierSet", c."chainPem", c."ariCertId",
                c."notBefore", c."notAfter", c."renewalStart", c."renewalEnd", c."renewAt", c."ariCheckedAt",
                c."supersededById"::text AS "supersededById", c."supersededAt", c."revokedAt"`;
  }

  /** How the replacements of these certificates stand, by certificate id (absent: none yet). */
  async replacementStates(certificateIds: string[]): Promise<Map<string, ReplacementState>> {
    if (certificateIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<
      { id: string; open: boolean; failed: number; lastFailedAt: Date | null }[]
    >`
      SELECT "replacesCertificateId"::text AS id,
             bool_or(status IN ('pending', 'deferred', 'processing')) AS open,
             (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
             max("updatedAt") FILTER (WHERE status = 'failed') AS "lastFailedAt"
        FROM certificate_requests
       WHERE "replacesCertificateId" = ANY(${certificateIds}::uuid[])
       GROUP BY 1`;
    return new Map(rows.map(({ id, ...state }) => [id, state]));
  }

  async schedule(certificateId: string, schedule: RenewalSchedule): Promise<void> {
    await this.prisma.certificate.update({ where: { id: certificateId }, data: schedule });
  }

  /**
   * Creates the server's renewal request for a certificate: same device, identifiers, CSR
   * (the device's key) and profile, `replaces` it. Under the device's lock, so it never
   * duplicates an open replacement (scheduler, forced renewal or the device's own new CSR):
   * then that one is returned. `null` when the certificate is gone, superseded or revoked.
   * One INSERT … SELECT: four round trips in all, as it runs for every renewal of the fleet.
   */
  async createRenewal(
    certificate: { id: string; deviceId: string },
    ariReplaces: string | null,
  ): Promise<{ request: { id: string; status: RequestStatus }; created: boolean } | null> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${certificate.deviceId}, 0))`;
        const now = new Date();
        const created = await tx.$queryRaw<{ id: string; status: RequestStatus }[]>`
          INSERT INTO certificate_requests
                 (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
                  profile, "challengeType", "http01Mode", "replacesCertificateId", "ariReplaces", "isRenewal",
                  attempts, "createdAt", "updatedAt")
          SELECT gen_random_uuid(), r."deviceId", 'pending', r.identifiers, r."identifierSet", r."csrPem", r."csrSha256",
                 r."publicKeySha256", r.profile, r."challengeType", r."http01Mode", c.id, ${ariReplaces}, true,
                 0, ${now}, ${now}
            FROM certificates c JOIN certificate_requests r ON r.id = c."requestId"
           WHERE c.id = ${certificate.id}::uuid AND c."supersededById" IS NULL AND c."revokedAt" IS NULL
             AND NOT EXISTS (SELECT 1 FROM certificate_requests o
                              WHERE o."replacesCertificateId" = c.id AND o.status IN ('pending', 'deferred', 'processing'))
          RETURNING id::text AS id, status::text AS status`;
        if (created.length > 0) return { request: created[0], created: true };
        const open = await tx.certificateRequest.findFirst({
          where: { replacesCertificateId: certificate.id, status: { in: OPEN_STATUSES } },
          orderBy: { createdAt: 'desc' },
          select: { id: true, status: true },
        });
        return open ? { request: open, created: false } : null;
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  }

  /**
   * Records that `certificate` (just stored, from a request created at `requestedAt`)
   * replaces the device's live certificates for the same identifiers that come from older
   * requests — and the certificate it was ordered to replace. The newest request wins: if
   * a live certificate from a newer request exists (a device rotated its key while this
   * renewal ran), `certificate` itself is marked superseded by it. Superseded certificates
   * stop renewing; `revokeAt` schedules their revocation (null: not revoked).
   */
  async supersedeOlder(
    certificate: Certificate,
    requestedAt: Date,
    replacesCertificateId: string | null,
    revokeAt: Date | null,
    tx: Db,
  ): Promise<void> {
    const now = new Date();
    await tx.$executeRaw`
      UPDATE certificates c
         SET "supersededById" = ${certificate.id}::uuid, "supersededAt" = ${now},
             "renewAt" = NULL, "nextCheckAt" = ${revokeAt}
        FROM certificate_requests r
       WHERE r.id = c."requestId"
         AND c."deviceId" = ${certificate.deviceId}::uuid AND c.id <> ${certificate.id}::uuid
         AND c."supersededById" IS NULL AND c."revokedAt" IS NULL
         AND ((c."identifierSet" = ${certificate.identifierSet} AND r."createdAt" < ${requestedAt})
              OR c.id = ${replacesCertificateId}::uuid)`;
    const newer = await tx.$queryRaw<{ id: string }[]>`
      SELECT c.id::text AS id
        FROM certificates c JOIN certificate_requests r ON r.id = c."requestId"
       WHERE c."deviceId" = ${certificate.deviceId}::uuid AND c.id <> ${certificate.id}::uuid
         AND c."identifierSet" = ${certificate.identifierSet}
         AND c."supersededById" IS NULL AND c."revokedAt" IS NULL AND r."createdAt" > ${requestedAt}
       ORDER BY r."createdAt" DESC
       LIMIT 1`;
    if (newer.length > 0) {
      await tx.certificate.update({
        where: { id: certificate.id },
        data: { supersededById: newer[0].id, supersededAt: now, renewAt: null, nextCheckAt: revokeAt },
      });
    }
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

  /** Whether any certificate for exactly this identifier set was issued since `since` (the CA's renewal test). */
  async issuedSince(identifierSet: string, since: Date): Promise<boolean> {
    const found = await this.prisma.certificate.findFirst({
      where: { identifierSet, notBefore: { gte: since } },
      select: { id: true },
    });
    return found !== null;
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
