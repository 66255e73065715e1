import type { RequestForDevice } from '@fleetcert/db';
import type { CertificateRequestView } from './certificates.dto';

/**
 * What the view reads: a request as read for its device (links included), or a stored
 * request with its certificate (a `RequestWithCertificate`, as a submission has it), which
 * carries no links.
 */
export type ViewableRequest = Omit<RequestForDevice, 'supersededByRequestId' | 'latestRequestId'> &
  Partial<Pick<RequestForDevice, 'supersededByRequestId' | 'latestRequestId'>>;

/**
 * The one mapping from a stored request (and its certificate) to what devices see.
 *
 * It depends on the stored rows alone, never on the clock: `GET /v1/certificates/{id}` keeps
 * the serialized view in the read cache for as long as those rows stay unchanged (see
 * {@link certificateRequestJson}). A field computed from the current time would have to be
 * added after the cache, not here.
 */
export function toCertificateRequestView(
  r: ViewableRequest,
  opts: { withChain: boolean },
): CertificateRequestView {
  const view: CertificateRequestView = {
    id: r.id,
    status: r.status,
    identifiers: r.identifiers as unknown as CertificateRequestView['identifiers'],
    profile: r.profile,
    challenge: r.challengeType === 'http_01' ? 'http-01' : 'dns-01',
    createdAt: r.createdAt.toISOString(),
  };
  if (r.http01Mode) view.http01Mode = r.http01Mode;
  const cert = r.status === 'valid' ? r.certificate : null;
  if (cert) {
    if (opts.withChain) view.certificate = cert.chainPem;
    view.notBefore = cert.notBefore.toISOString();
    view.notAfter = cert.notAfter.toISOString();
    if (cert.renewalStart && cert.renewalEnd) {
      view.renewal = {
        windowStart: cert.renewalStart.toISOString(),
        windowEnd: cert.renewalEnd.toISOString(),
      };
    }
  }
  if (cert?.supersededById && r.supersededByRequestId) view.supersededBy = r.supersededByRequestId;
  if (r.latestRequestId) view.latest = r.latestRequestId;
  if (r.status === 'deferred' && r.deferredUntil) view.deferredUntil = r.deferredUntil.toISOString();
  if (r.errorType) view.error = { type: r.errorType, detail: r.errorDetail ?? '' };
  return view;
}

/**
 * The body `GET /v1/certificates/{id}` answers with: the view, chain included, serialized as
 * Fastify serializes a view a handler returns (`JSON.stringify`: the route has no response
 * schema), so that a body served ready-made is byte for byte the one built for the answer.
 */
export function certificateRequestJson(r: ViewableRequest): string {
  return JSON.stringify(toCertificateRequestView(r, { withChain: true }));
}
