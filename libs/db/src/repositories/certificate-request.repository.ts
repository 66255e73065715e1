import { Inject, Injectable, Optional } from '@nestjs/common';
import { Metrics } from '@fleetcert/observability';
import type { Pool } from 'pg';
import type {
  Certificate,
  CertificateRequest,
  DeviceStatus,
  Prisma,
  PrismaClient,
  RequestStatus,
} from '../generated/client';
import { query, queryOne, Queryable, statement } from '../sql/statement';
import { utcParam } from '../sql/utc-param';
import { PG_POOL, PRISMA } from '../tokens';
import type { Db } from './audit.repository';
import type { ChallengeRecord } from './challenge.repository';
import {
  GET_WITH_CERTIFICATE,
  RequestRow,
  requestWithCertificateOf,
} from './certificate-request.submission-sql';
import { SubmissionBatches, SubmissionOutcome } from './certificate-request.submission-batches';
import {
  REQUEST_FOR_DEVICE,
  RequestForDevice,
  RequestForDeviceRow,
  REQUESTS_FOR_DEVICE,
  toRequestForDevice,
} from './request-for-device';

export type RequestWithCertificate = CertificateRequest & { certificate: Certificate | null };
export type { CertificateForDevice, RequestForDevice } from './request-for-device';
/** What the worker reads of a request when it takes it up (see {@link CertificateRequestRepository.beginAttempt}). */
export type RequestForWork = Pick<
  CertificateRequest,
  | 'id'
  | 'deviceId'
  | 'status'
  | 'identifiers'
  | 'identifierSet'
  | 'csrPem'
  | 'profile'
  | 'challengeType'
  | 'http01Mode'
  | 'orderUrl'
  | 'replacesCertificateId'
  | 'ariReplaces'
  | 'deferredUntil'
  | 'createdAt'
> & {
  device: { status: DeviceStatus; fleet: { defaultProfile: string | null } };
  /** Its dns-01 challenges whose TXT record an earlier attempt may have left in the zone. */
  leftoverDns01: ChallengeRecord[];
};

/** The outcome of {@link CertificateRequestRepository.beginAttempt}. */
export interface AttemptStart {
  /** The request as it was before this call. */
  request: RequestForWork;
  /** Whether it is now `processing` with one more attempt counted: open, device active, not deferred past `now`. */
  started: boolean;
  /**
   * Whether a certificate for exactly its identifier set was issued (`notBefore`) at or after
   * the `issuedSince` given: the CA's renewal exemption. False when none was given.
   */
  issuedSince: boolean;
}

/** What a submission decides on ({@link CertificateRequestRepository.submissionState}). */
export interface SubmissionState {
  /** The request already made with the submission's Idempotency-Key. */
  idempotent: { id: string; csrSha256: string } | null;
  /** The newest open request for the same CSR. */
  openId: string | null;
  /** The device's newest live certificate for the same identifier set: what a new request replaces. */
  replaces: { id: string; ariCertId: string } | null;
  /** When asked for (`withLive`): the device's open requests and live certificates, newest first. */
  live: LiveRequest[];
}

/**
 * What a device's first submission for a CSR finds: what a submission decides on before it
 * has read anything ({@link CertificateRequestRepository.createIfUnchanged} with `decidedOn` null).
 */
export const NOTHING_FOUND: SubmissionState = Object.freeze({
  idempotent: null,
  openId: null,
  replaces: null,
  live: Object.freeze([]) as unknown as LiveRequest[],
});

/** A state as the database read it under the device's lock, with its version to decide on. */
export interface ObservedSubmissionState {
  state: SubmissionState;
  /** Identifies this state: {@link CertificateRequestRepository.createIfUnchanged} compares it. */
  version: string;
}

/** What identifies a submission: the device, and what it submits. */
export interface SubmissionQuery {
  deviceId: string;
  idempotencyKey?: string;
  csrSha256: string;
  identifierSet: string;
  /** Whether to list the live requests (the home-privacy guard's input). */
  withLive: boolean;
}

/** A submission's new request: what the query does not already say. */
export type SubmittedRequest = Omit<
  NewRequest,
  'deviceId' | 'idempotencyKey' | 'csrSha256' | 'identifierSet' | 'isRenewal'
>;

/** The outcome of {@link CertificateRequestRepository.createIfUnchanged}. */
export type CreateIfUnchanged =
  | { created: RequestWithCertificate }
  /** Nothing stored: the state is no longer the one decided on; here it is as it is now. */
  | { changed: ObservedSubmissionState };

/** An open request or one with a live certificate, as the home-privacy guard compares them. */
export interface LiveRequest {
  identifierSet: string;
  publicKeySha256: string;
  status: RequestStatus;
  createdAt: Date;
  certificate: { createdAt: Date; publicKeySha256: string } | null;
}

export const OPEN_STATUSES: RequestStatus[] = ['pending', 'deferred', 'processing'];

export interface NewRequest {
  deviceId: string;
  identifiers: Prisma.InputJsonArray;
  identifierSet: string;
  csrPem: string;
  csrSha256: string;
  publicKeySha256: string;
  idempotencyKey?: string;
  profile?: string;
  challengeType: 'dns_01' | 'http_01';
  http01Mode?: 'proxy' | 'pull';
  status?: RequestStatus;
  deferredUntil?: Date;
  replacesCertificateId?: string;
  ariReplaces?: string | null;
  isRenewal?: boolean;
}

@Injectable()
export class CertificateRequestRepository {
  private readonly submissions: SubmissionBatches;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() metrics?: Metrics,
  ) {
    this.submissions = new SubmissionBatches(pool, (size) =>
      metrics?.batchSize.observe({ kind: 'submissions' }, size),
    );
  }

  get db(): PrismaClient {
    return this.prisma;
  }

  /** A device's own request, with its certificate and links, in one statement; another device's id finds nothing. */
  async getForDevice(deviceId: string, id: string): Promise<RequestForDevice | null> {
    const row = await queryOne<RequestForDeviceRow>(this.pool, REQUEST_FOR_DEVICE, [id, deviceId]);
    return row ? toRequestForDevice(row) : null;
  }

  /**
   * Takes a request up for an attempt in one statement: reads it with what the worker needs
   * (device status, fleet profile, leftover dns-01 challenges, and with `issuedSince` whether
   * its identifier set was issued since then) and, when it is open, its device active and
   * its deferral (if any) over at `now`, marks it `processing` with one more attempt.
   * `null` when there is no such request.
   */
  async beginAttempt(id: string, now: Date, issuedSince: Date | null = null): Promise<AttemptStart | null> {
    const row = await queryOne<RequestForWorkRow>(this.pool, BEGIN_ATTEMPT, [id, now, issuedSince]);
    if (!row) return null;
    const { started, issuedSince: issued, deviceStatus, defaultProfile, leftoverDns01, ...request } = row;
    return {
      started,
      issuedSince: issued,
      request: { ...request, device: { status: deviceStatus, fleet: { defaultProfile } }, leftoverDns01 },
    };
  }

  /** Saves the ACME order URL of a request the moment the order exists (what makes a restart resume it). */
  async saveOrderUrl(id: string, orderUrl: string, now: Date): Promise<void> {
    await this.pool.query({ ...SAVE_ORDER_URL, values: [id, orderUrl, now] });
  }

  /** The device's newest requests (without their chains), newest first. */
  async listForDevice(deviceId: string, limit: number): Promise<RequestForDevice[]> {
    const rows = await query<RequestForDeviceRow>(this.pool, REQUESTS_FOR_DEVICE, [deviceId, limit]);
    return rows.map(toRequestForDevice);
  }

  /**
   * Reads what a submission decides on, under the device's lock (one statement): the request
   * already made with `idempotencyKey`, the newest open request for this CSR, the device's
   * live certificate for exactly `identifierSet`, and with `withLive` the device's open
   * requests and live certificates with their keys and kinds (the 50 newest): what the
   * home-privacy guard compares a new request against.
   */
  async submissionState(query: SubmissionQuery): Promise<ObservedSubmissionState> {
    const { observed } = await this.submit(query, null, null);
    return observed;
  }

  /**
   * Stores `request` if the device's submission state is still the one it was decided on, in
   * one statement under the device's lock (submissions and the renewal scheduler's requests
   * for one device are serialised, so two identical ones arriving together cannot both create
   * a request). `decidedOn` is the `version` of a state read by this repository, or null for
   * {@link NOTHING_FOUND}. When the state changed, nothing is stored and it is returned to
   * decide on again. The caller decides; this only checks that the ground did not move.
   */
  async createIfUnchanged(
    query: SubmissionQuery,
    decidedOn: string | null,
    request: SubmittedRequest,
  ): Promise<CreateIfUnchanged> {
    const { observed, created } = await this.submit(query, decidedOn, request);
    return created ? { created } : { changed: observed };
  }

  /** Through {@link SubmissionBatches}: submissions arriving together share a statement and a commit. */
  private submit(
    query: SubmissionQuery,
    decidedOn: string | null,
    request: SubmittedRequest | null,
  ): Promise<SubmissionOutcome> {
    return this.submissions.load({ query, decidedOn, request });
  }

  /** A request with its certificate, by id. */
  async getWithCertificate(id: string, db: Queryable = this.pool): Promise<RequestWithCertificate | null> {
    const row = await queryOne<RequestRow>(db, GET_WITH_CERTIFICATE, [id]);
    return row ? requestWithCertificateOf(row) : null;
  }

  update(
    id: string,
    data: Prisma.CertificateRequestUncheckedUpdateInput,
    tx: Db = this.prisma,
  ): Promise<CertificateRequest> {
    return tx.certificateRequest.update({ where: { id }, data });
  }

  /** Open requests not touched since `before`, oldest first: candidates for the reconciler. */
  listOpenIdsUpdatedBefore(
    before: Date,
    limit: number,
    afterId?: string,
  ): Promise<{ id: string; status: RequestStatus; deferredUntil: Date | null }[]> {
    return this.prisma.certificateRequest.findMany({
      where: {
        status: { in: OPEN_STATUSES },
        updatedAt: { lt: before },
        id: afterId ? { gt: afterId } : undefined,
      },
      select: { id: true, status: true, deferredUntil: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }
}

type RequestForWorkRow = Omit<RequestForWork, 'device'> & {
  started: boolean;
  issuedSince: boolean;
  deviceStatus: DeviceStatus;
  defaultProfile: string | null;
};

/**
 * The UPDATE changes the row only when the attempt may start; the outer SELECT reads the
 * statement's snapshot, i.e. the request as it was, which is what the worker decides on.
 */
const BEGIN_ATTEMPT = statement(
  'certificateRequests.beginAttempt',
  `WITH started AS (
     UPDATE certificate_requests r
        SET status = 'processing', attempts = r.attempts + 1, "deferredUntil" = NULL, "updatedAt" = ${utcParam(2)}
      WHERE r.id = $1::uuid
        -- A scalar subquery, not a join, so the device is read by its key whatever the
        -- planner believes: without statistics it took status = 'active' to be rare and
        -- walked every active device through the status index (test/db/hot-path-rows).
        AND (SELECT d.status FROM devices d WHERE d.id = r."deviceId") = 'active'
        AND r.status IN ('pending', 'deferred', 'processing')
        AND (r."deferredUntil" IS NULL OR r."deferredUntil" <= ${utcParam(2)})
     RETURNING r.id)
   SELECT r.id::text AS id, r."deviceId"::text AS "deviceId", r.status::text AS status, r.identifiers,
          r."identifierSet", r."csrPem", r.profile,
          -- Prisma's names of the ChallengeType values (dns_01 for the stored 'dns-01').
          replace(r."challengeType"::text, '-', '_') AS "challengeType",
          r."http01Mode"::text AS "http01Mode", r."orderUrl", r."replacesCertificateId"::text AS "replacesCertificateId",
          r."ariReplaces", r."deferredUntil", r."createdAt",
          EXISTS (SELECT 1 FROM started) AS started,
          ($3::timestamptz IS NOT NULL AND EXISTS (
             SELECT 1 FROM certificates c
              WHERE c."identifierSet" = r."identifierSet" AND c."notBefore" >= ${utcParam(3)})) AS "issuedSince",
          d.status::text AS "deviceStatus", f."defaultProfile",
          COALESCE((SELECT json_agg(json_build_object('id', c.id, 'status', c.status,
                                                     'identifierValue', c."identifierValue",
                                                     'keyAuthorization', c."keyAuthorization"))
                      FROM challenges c
                     WHERE c."requestId" = r.id AND c.type = 'dns-01' AND c.status IN ('pending', 'presented')),
                   '[]'::json) AS "leftoverDns01"
     FROM certificate_requests r
     JOIN devices d ON d.id = r."deviceId"
     JOIN fleets f ON f.id = d."fleetId"
    WHERE r.id = $1::uuid`,
);

const SAVE_ORDER_URL = statement(
  'certificateRequests.saveOrderUrl',
  `UPDATE certificate_requests SET "orderUrl" = $2, "updatedAt" = ${utcParam(3)} WHERE id = $1::uuid`,
);
