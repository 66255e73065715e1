// The device API (v1) as the agent uses it; see DESIGN.md "Device API (v1) — the contract".

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

export type RequestStatus = 'pending' | 'deferred' | 'processing' | 'valid' | 'failed';
export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'pending',
  'deferred',
  'processing',
  'valid',
  'failed',
];

/** `POST /v1/certificates` and `GET /v1/certificates/{id}`. */
export interface CertificateRequestView {
  id: string;
  status: RequestStatus;
  identifiers: Identifier[];
  profile?: string | null;
  /** PEM chain, leaf first, once `valid`. */
  certificate?: string;
  notBefore?: string;
  notAfter?: string;
  /** When the server wants the certificate renewed (ARI or its own rule). */
  renewal?: { windowStart: string; windowEnd: string };
  deferredUntil?: string;
  error?: { type: string; detail: string };
}

/** `GET /v1/device`. */
export interface DeviceView {
  identifier: string;
  hostname: string;
  addresses: { ipv4: string | null; ipv6: string | null };
  certificates: CertificateRequestView[];
}

/** `PUT /v1/device/addresses`: a string sets a family's record, `null` removes it, omitted leaves it. */
export interface AddressUpdate {
  ipv4?: string | null;
  ipv6?: string | null;
}

/** One entry of `GET /v1/device/challenges`: a pending http-01 challenge of this device. */
export interface PendingChallenge {
  token: string;
  keyAuthorization: string;
  identifier: { type: string; value: string };
  /** When the challenge stops being servable; null when the CA gave no expiry. */
  expiresAt: string | null;
}
