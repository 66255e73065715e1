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

/**
 * A row of {@link SUBMIT_REQUESTS}: `ord` is the submission's 1-based place in the array;
 * the request columns are all null when nothing was stored.
 */
export type SubmitRequestRow = { ord: string; state: SubmissionStateJson; version: string } & {
  [K in keyof CertificateRequest]: CertificateRequest[K] | null;
};

/**
 * Submissions in one round trip and one commit, one row each (`fleetcert_submit_request`,
 * see its migration): under each device's lock, reads the state and stores the request if
 * the state is the one decided on. $1 is a JSON array with one object per submission:
 * `device`, `idempotencyKey` (null: none), `csrSha256`, `identifierSet`, `withLive`
 * (whether to list the live requests, the home-privacy guard's input), `decidedOn` (the
 * version of the state decided on; null: nothing found) and `request` (the request to
 * store; absent: only read the state). One JSON text rather than an array per field: `pg`
 * escapes every element of a text array with two regular-expression passes, and a
 * request's CSR is most of the batch (~7 KiB of garbage a submission; ninth pass of
 * BENCHMARKS.md). The function runs once per submission, in array order (a nested loop over
 * the elements), so the caller orders the devices to take their locks in one global order,
 * and never puts one device twice in a batch.
 */
export const SUBMIT_REQUESTS = statement(
  'certificateRequests.submitMany',
  `SELECT u.ord, s.state, s.version, ${REQUEST_COLUMNS}
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS u(call, ord)
     CROSS JOIN LATERAL fleetcert_submit_request(
            u.call ->> 'device', u.call ->> 'idempotencyKey', u.call ->> 'csrSha256', u.call ->> 'identifierSet',
            (u.call ->> 'withLive')::boolean, u.call ->> 'decidedOn', NULLIF(u.call -> 'request', 'null'::jsonb)) AS s
     CROSS JOIN LATERAL (SELECT (s.created).*) AS r`,
);

/** $1 request id. */
export const GET_WITH_CERTIFICATE = statement(
  'certificateRequests.getWithCertificate',
  `SELECT ${REQUEST_COLUMNS}, ${CERTIFICATE_COLUMNS}
     FROM certificate_requests r LEFT JOIN certificates c ON c."requestId" = r.id
    WHERE r.id = $1::uuid`,
);
