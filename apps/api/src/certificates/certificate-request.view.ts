import type { RequestWithCertificate } from '@fleetcert/db';
import type { CertificateRequestView } from './certificates.dto';

/** Certificate id → the request behind it; identifier set → request of the newest live certificate. */
export interface RequestLinks {
  requestOfCertificate: ReadonlyMap<string, string>;
  latestBySet: ReadonlyMap<string, string>;
}

/** The one mapping from a stored request (and its certificate) to what devices see. */
export function toCertificateRequestView(
  r: RequestWithCertificate,
  opts: { withChain: boolean; links?: RequestLinks },
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
  const successor = cert?.supersededById && opts.links?.requestOfCertificate.get(cert.supersededById);
  if (successor) view.supersededBy = successor;
  const latest = opts.links?.latestBySet.get(r.identifierSet);
  if (latest) view.latest = latest;
  if (r.status === 'deferred' && r.deferredUntil) view.deferredUntil = r.deferredUntil.toISOString();
  if (r.errorType) view.error = { type: r.errorType, detail: r.errorDetail ?? '' };
  return view;
}
