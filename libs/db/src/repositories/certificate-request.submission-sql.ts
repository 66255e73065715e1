// The prepared statements of a CSR submission (`POST /v1/certificates`), the API's hottest
// write: CertificateRequestRepository runs them, nothing else does.
import type { Certificate, CertificateRequest, RequestStatus } from '../generated/client';
import { statement } from '../sql/statement';
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
 * Serialises a device's new requests until the transaction ends: the renewal scheduler's
 * (`RenewalRepository`) and, with the same key, submissions (`fleetcert_submit_request`):
 * two arriving together cannot both create a request. Its own statement, not part of the
 * reads after it: a statement's snapshot is taken when it starts, before it waits for the
 * lock. Sent with BEGIN in one simple query (`beginWith`), which takes no parameters: the
 * device id is a literal, checked to be a UUID first.
 */
export function lockDeviceSql(deviceId: string): string {
  if (!UUID.test(deviceId)) throw new TypeError(`not a device id: ${JSON.stringify(deviceId)}`);
  return `SELECT pg_advisory_xact_lock(hashtextextended('${deviceId}', 0))`;
}

/**
 * What a submission decides on (`fleetcert_submission_state`, prisma/migrations/
 * 20261122100000_submit_request_function); ids are null where nothing matches.
 */
export interface SubmissionStateJson {
  /** The request already made with this Idempotency-Key, and its CSR's hash. */
  idempotentId: string | null;
  idempotentCsrSha256: string | null;
  /** The newest open request for this very CSR. */
  openId: string | null;
  /** The device's newest live certificate for exactly this identifier set: what a new one replaces. */
  replacesId: string | null;
  replacesAriCertId: string | null;
  /** When asked for: the device's open requests and those with a live certificate, newest first; else empty. */
  live: LiveRequestJson[];
}

/** A live request in {@link SubmissionStateJson.live}: JSON, so instants are epoch milliseconds. */
export interface LiveRequestJson {
  identifierSet: string;
  publicKeySha256: string;
  status: RequestStatus;
  createdAtMs: number;
  certificateCreatedAtMs: number | null;
  certificatePublicKeySha256: string | null;
}

/** A row of {@link SUBMIT_REQUEST}: the request columns are all null when nothing was stored. */
export type SubmitRequestRow = { state: SubmissionStateJson; version: string } & {
  [K in keyof CertificateRequest]: CertificateRequest[K] | null;
};

/**
 * The whole submission in one round trip, always one row (`fleetcert_submit_request`, see
 * its migration): under the device's lock, reads the state and stores the request if the
 * state is the one decided on. $1 device id, $2 Idempotency-Key (null: none), $3 the CSR's
 * SHA-256, $4 the identifier set, $5 whether to list the live requests (the home-privacy
 * guard's input), $6 the version of the state decided on (null: nothing found), $7 the
 * request to store as JSON (null: only read the state).
 */
export const SUBMIT_REQUEST = statement(
  'certificateRequests.submit',
  `SELECT s.state, s.version, ${REQUEST_COLUMNS}
     FROM fleetcert_submit_request($1, $2, $3, $4, $5, $6, $7::jsonb) AS s
     CROSS JOIN LATERAL (SELECT (s.created).*) AS r`,
);

/** $1 request id. */
export const GET_WITH_CERTIFICATE = statement(
  'certificateRequests.getWithCertificate',
  `SELECT ${REQUEST_COLUMNS}, ${CERTIFICATE_COLUMNS}
     FROM certificate_requests r LEFT JOIN certificates c ON c."requestId" = r.id
    WHERE r.id = $1::uuid`,
);
