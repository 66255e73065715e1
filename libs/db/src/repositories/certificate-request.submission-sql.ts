// The prepared statements of a CSR submission (`POST /v1/certificates`), the API's hottest
// write: CertificateRequestRepository runs them, nothing else does.
import type { Certificate, CertificateRequest, RequestStatus } from '../generated/client';
import { statement } from '../sql/statement';
import { epochMsOf, utcParam } from '../sql/utc-param';
import type { RequestWithCertificate } from './certificate-request.repository';

/** The columns of `certificate_requests r` under Prisma's field names and values. */
const REQUEST_COLUMNS = `r.id, r."deviceId", r."accountId", r.status, r.identifiers, r."identifierSet", r."csrPem",
  r."csrSha256", r."publicKeySha256", r."idempotencyKey", r.profile,
  -- Prisma's names of the ChallengeType values (dns_01 for the stored 'dns-01').
  replace(r."challengeType"::text, '-', '_') AS "challengeType",
  r."http01Mode", r."orderUrl", r."replacesCertificateId", r."ariReplaces", r."isRenewal", r."deferredUntil",
  r.attempts, r."errorType", r."errorDetail", r."createdAt", r."updatedAt", r."completedAt"`;

const CERTIFICATE_FIELDS = [
  'id',
  'requestId',
  'deviceId',
  'serial',
  'ariCertId',
  'identifierSet',
  'notBefore',
  'notAfter',
  'chainPem',
  'publicKeySha256',
  'renewalStart',
  'renewalEnd',
  'renewAt',
  'ariCheckedAt',
  'nextCheckAt',
  'supersededById',
  'supersededAt',
  'revokedAt',
  'revokedReason',
  'createdAt',
] as const satisfies readonly (keyof Certificate)[];

/** The columns of `certificates c`, each as `"certificate.<field>"` (all null without one). */
const CERTIFICATE_COLUMNS = CERTIFICATE_FIELDS.map((f) => `c."${f}" AS "certificate.${f}"`).join(', ');

export type RequestRow = CertificateRequest & {
  [K in keyof Certificate as `certificate.${K}`]: Certificate[K] | null;
};

/** A row of {@link GET_WITH_CERTIFICATE} as Prisma's shape. */
export function requestWithCertificateOf(row: RequestRow): RequestWithCertificate {
  const request: Record<string, unknown> = {};
  const certificate: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith('certificate.')) certificate[column.slice('certificate.'.length)] = value;
    else request[column] = value;
  }
  return {
    ...(request as CertificateRequest),
    certificate: certificate.id === null ? null : (certificate as Certificate),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Serialises submissions per device until the transaction ends: two identical submissions
 * arriving together cannot both create a request. Its own statement, not part of the reads
 * after it: a statement's snapshot is taken when it starts, before it waits for the lock.
 * Sent with BEGIN in one simple query (`beginWith`), which takes no parameters: the device
 * id is a literal, checked to be a UUID first.
 */
export function lockDeviceSql(deviceId: string): string {
  if (!UUID.test(deviceId)) throw new TypeError(`not a device id: ${JSON.stringify(deviceId)}`);
  return `SELECT pg_advisory_xact_lock(hashtextextended('${deviceId}', 0))`;
}

/** What {@link SUBMISSION_STATE} finds; ids are null where nothing matches. */
export interface SubmissionStateRow {
  /** The request already made with this Idempotency-Key, and its CSR's hash. */
  idempotentId: string | null;
  idempotentCsrSha256: string | null;
  /** The newest open request for this very CSR. */
  openId: string | null;
  /** The device's newest live certificate for exactly this identifier set: what a new one replaces. */
  replacesId: string | null;
  replacesAriCertId: string | null;
  /** When asked for: the device's open requests and those with a live certificate, newest first. */
  live: LiveRequestJson[] | null;
}

/** A live request in {@link SubmissionStateRow.live}: JSON, so instants are epoch milliseconds. */
export interface LiveRequestJson {
  identifierSet: string;
  publicKeySha256: string;
  status: RequestStatus;
  createdAtMs: number;
  certificateCreatedAtMs: number | null;
  certificatePublicKeySha256: string | null;
}

/**
 * Everything a submission decides on, in one round trip, always one row: $1 device id,
 * $2 Idempotency-Key (null: none), $3 the CSR's SHA-256, $4 the identifier set, $5 whether
 * to list the live requests (the home-privacy guard's input; 50 newest).
 */
export const SUBMISSION_STATE = statement(
  'certificateRequests.submissionState',
  `SELECT idem.id AS "idempotentId", idem."csrSha256" AS "idempotentCsrSha256",
          (SELECT o.id FROM certificate_requests o
            WHERE o."deviceId" = $1::uuid AND o."csrSha256" = $3
              AND o.status IN ('pending', 'deferred', 'processing')
            ORDER BY o."createdAt" DESC
            LIMIT 1) AS "openId",
          replaced.id AS "replacesId", replaced."ariCertId" AS "replacesAriCertId",
          CASE WHEN $5::boolean THEN
            (SELECT COALESCE(json_agg(json_build_object(
                       'identifierSet', l."identifierSet", 'publicKeySha256', l."publicKeySha256",
                       'status', l.status, 'createdAtMs', ${epochMsOf('l."createdAt"')},
                       'certificateCreatedAtMs', ${epochMsOf('l."certificateCreatedAt"')},
                       'certificatePublicKeySha256', l."certificatePublicKeySha256")
                     ORDER BY l."createdAt" DESC), '[]'::json)
               FROM (SELECT r."identifierSet", r."publicKeySha256", r.status, r."createdAt",
                            c."createdAt" AS "certificateCreatedAt",
                            c."publicKeySha256" AS "certificatePublicKeySha256"
                       FROM certificate_requests r LEFT JOIN certificates c ON c."requestId" = r.id
                      WHERE r."deviceId" = $1::uuid
                        AND (r.status IN ('pending', 'deferred', 'processing')
                             OR (r.status = 'valid' AND c."revokedAt" IS NULL
                                 AND c."notAfter" > (clock_timestamp() AT TIME ZONE 'UTC')))
                      ORDER BY r."createdAt" DESC
                      LIMIT 50) AS l)
          END AS live
     FROM (SELECT 1) AS one
     LEFT JOIN certificate_requests idem ON idem."deviceId" = $1::uuid AND idem."idempotencyKey" = $2
     LEFT JOIN LATERAL (SELECT c.id, c."ariCertId" FROM certificates c
                         WHERE c."deviceId" = $1::uuid AND c."identifierSet" = $4
                           AND c."supersededById" IS NULL AND c."revokedAt" IS NULL
                         ORDER BY c."notBefore" DESC
                         LIMIT 1) AS replaced ON true`,
);

/** $1 request id. */
export const GET_WITH_CERTIFICATE = statement(
  'certificateRequests.getWithCertificate',
  `SELECT ${REQUEST_COLUMNS}, ${CERTIFICATE_COLUMNS}
     FROM certificate_requests r LEFT JOIN certificates c ON c."requestId" = r.id
    WHERE r.id = $1::uuid`,
);

/**
 * $1 device id, $2 status, $3 identifiers (JSON text), $4 identifier set, $5 CSR PEM,
 * $6 CSR SHA-256, $7 public key SHA-256, $8 Idempotency-Key, $9 profile, $10 challenge type
 * (Prisma's name), $11 http-01 mode, $12 deferred until, $13 replaced certificate id,
 * $14 ARI `replaces`, $15 is a renewal. Returns the request as stored.
 */
export const CREATE_REQUEST = statement(
  'certificateRequests.create',
  `WITH t AS (SELECT clock_timestamp() AT TIME ZONE 'UTC' AS now)
   INSERT INTO certificate_requests AS r
          (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
           "idempotencyKey", profile, "challengeType", "http01Mode", "deferredUntil", "replacesCertificateId",
           "ariReplaces", "isRenewal", "createdAt", "updatedAt")
   SELECT gen_random_uuid(), $1::uuid, $2::"RequestStatus", $3::jsonb, $4, $5, $6, $7, $8, $9,
          replace($10, '_', '-')::"ChallengeType", $11::"Http01Mode", ${utcParam(12)}, $13::uuid, $14, $15,
          t.now, t.now
     FROM t
   RETURNING ${REQUEST_COLUMNS}`,
);
