import type { Certificate, CertificateRequest } from '../generated/client';
import { statement } from '../sql/statement';

/**
 * What a device sees of one of its requests, read in one prepared statement: the request,
 * its certificate and the links between the device's certificates. Used by
 * `CertificateRequestRepository.getForDevice` and `listForDevice`, the device's hottest reads.
 */
export type RequestForDevice = Pick<
  CertificateRequest,
  | 'id'
  | 'status'
  | 'identifiers'
  | 'identifierSet'
  | 'profile'
  | 'challengeType'
  | 'http01Mode'
  | 'deferredUntil'
  | 'errorType'
  | 'errorDetail'
  | 'createdAt'
> & {
  certificate: CertificateForDevice | null;
  /** The request behind the certificate that superseded this request's certificate, if any. */
  supersededByRequestId: string | null;
  /** The request of the device's newest live certificate for the same identifier set, if any. */
  latestRequestId: string | null;
};

export type CertificateForDevice = Pick<
  Certificate,
  'notBefore' | 'notAfter' | 'renewalStart' | 'renewalEnd' | 'supersededById'
> & {
  /** Read for a single request only: a list leaves the chains out. */
  chainPem?: string;
};

/** A statement's flat row: the request's columns, the certificate's (null without one) and the links. */
export type RequestForDeviceRow = Omit<RequestForDevice, 'certificate'> & {
  certificateId: string | null;
  chainPem?: string | null;
  notBefore: Date | null;
  notAfter: Date | null;
  renewalStart: Date | null;
  renewalEnd: Date | null;
  supersededById: string | null;
};

export function toRequestForDevice(row: RequestForDeviceRow): RequestForDevice {
  const {
    certificateId,
    chainPem,
    notBefore,
    notAfter,
    renewalStart,
    renewalEnd,
    supersededById,
    ...request
  } = row;
  if (certificateId === null) return { ...request, certificate: null };
  const certificate: CertificateForDevice = {
    notBefore: notBefore!,
    notAfter: notAfter!,
    renewalStart,
    renewalEnd,
    supersededById,
  };
  if (typeof chainPem === 'string') certificate.chainPem = chainPem;
  return { ...request, certificate };
}

/**
 * The columns both statements read. `challengeType` is stored as `dns-01`/`http-01` and
 * given back under Prisma's names (`dns_01`/`http_01`), as every other reader sees it.
 * "Latest" is the newest live (neither superseded nor revoked) certificate of the device for
 * the same identifier set, by `notBefore`.
 */
const COLUMNS = `r.id, r.status, r.identifiers, r."identifierSet", r.profile,
          replace(r."challengeType"::text, '-', '_') AS "challengeType", r."http01Mode",
          r."deferredUntil", r."errorType", r."errorDetail", r."createdAt",
          c.id AS "certificateId", c."notBefore", c."notAfter", c."renewalStart", c."renewalEnd",
          c."supersededById", s."requestId" AS "supersededByRequestId",
          (SELECT l."requestId" FROM certificates l
            WHERE l."deviceId" = r."deviceId" AND l."identifierSet" = r."identifierSet"
              AND l."supersededById" IS NULL AND l."revokedAt" IS NULL
            ORDER BY l."notBefore" DESC
            LIMIT 1) AS "latestRequestId"`;

const JOINS = `FROM certificate_requests r
     LEFT JOIN certificates c ON c."requestId" = r.id
     LEFT JOIN certificates s ON s.id = c."supersededById"`;

/** $1 request id, $2 device id: another device's request is not found. */
export const REQUEST_FOR_DEVICE = statement(
  'certificateRequests.forDevice',
  `SELECT ${COLUMNS}, c."chainPem"
     ${JOINS}
    WHERE r.id = $1::uuid AND r."deviceId" = $2::uuid`,
);

/** $1 device id, $2 limit: the device's newest requests first, without their chains. */
export const REQUESTS_FOR_DEVICE = statement(
  'certificateRequests.listForDevice',
  `SELECT ${COLUMNS}
     ${JOINS}
    WHERE r."deviceId" = $1::uuid
    ORDER BY r."createdAt" DESC
    LIMIT $2`,
);
