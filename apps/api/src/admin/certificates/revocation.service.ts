import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { AcmeCa, AcmeDeadlineError, AcmeNetworkError, AcmeProblemError } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { AuditRepository, RenewalRepository } from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import type { OperatorPrincipal } from '../../auth/principal';
import { REVOCATION_REASONS, RevokeCertificateDto, RevokedCertificateView } from './admin-certificates.dto';

/**
 * An operator revokes a certificate at the CA with the account key. The database records
 * it only once the CA has (or says it already had): a CA that cannot be reached changes
 * nothing and answers 503. A revoked certificate is no longer renewed.
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly renewals: RenewalRepository,
    private readonly audit: AuditRepository,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    private readonly metrics: Metrics,
  ) {}

  async revoke(
    auth: OperatorPrincipal,
    id: string,
    dto: RevokeCertificateDto | undefined,
  ): Promise<RevokedCertificateView> {
    const cert = await this.renewals.findCertificate(id);
    if (!cert) throw new NotFoundException(`No certificate ${id}`);
    if (cert.revokedAt) {
      throw new ConflictException(
        `Certificate ${cert.serial} was already revoked at ${cert.revokedAt.toISOString()}`,
      );
    }
    const reason = dto?.reason ?? 'unspecified';
    try {
      await this.ca.revoke(cert.chainPem, REVOCATION_REASONS[reason]);
    } catch (err) {
      if (!(err instanceof AcmeProblemError && err.code === 'alreadyRevoked')) throw toHttp(err);
    }
    const revokedAt = new Date();
    await this.renewals.db.$transaction(async (tx) => {
      await this.renewals.markRevoked(cert.id, reason, revokedAt, tx);
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: auth.operator.id,
          action: 'certificate.revoke',
          targetType: 'certificate',
          targetId: cert.id,
          details: { serial: cert.serial, deviceId: cert.deviceId, reason },
        },
        tx,
      );
    });
    this.metrics.certificatesRevoked.inc({ reason: 'operator' });
    return {
      id: cert.id,
      requestId: cert.requestId,
      deviceId: cert.deviceId,
      serial: cert.serial,
      revokedAt: revokedAt.toISOString(),
      reason,
    };
  }
}

/** The CA refused (422, with its reason) or could not be reached (503): nothing was changed. */
function toHttp(err: unknown): unknown {
  if (err instanceof AcmeNetworkError || err instanceof AcmeDeadlineError) {
    return new ServiceUnavailableException(
      'The CA could not be reached; nothing was changed. Try again shortly.',
    );
  }
  if (err instanceof AcmeProblemError) {
    if (err.status >= 500 || err.status === 429) {
      return new ServiceUnavailableException(`The CA is unavailable (${err.code}); nothing was changed.`);
    }
    return new UnprocessableEntityException(`The CA refused the revocation (${err.code}): ${err.detail}`);
  }
  return err;
}
