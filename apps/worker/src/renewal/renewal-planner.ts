import { Inject, Injectable } from '@nestjs/common';
import type { AcmeCa } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { Certificate } from '@fleetcert/db';
import { initialPlan } from './renewal-plan';

/**
 * What issuance records for renewal when it stores a certificate: its first renewal plan,
 * and when the certificates it replaces are revoked.
 */
@Injectable()
export class RenewalPlanner {
  constructor(
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The renewal fields of a new certificate. Without a readable directory it plans as if
   * the CA had no ARI; the scheduler asks for ARI anyway before it renews.
   */
  async planNew(
    notBefore: Date,
    notAfter: Date,
  ): Promise<Pick<Certificate, 'renewalStart' | 'renewalEnd' | 'renewAt' | 'nextCheckAt'>> {
    const ari = await this.ca.directory().then(
      (directory) => directory.renewalInfo !== undefined,
      () => false,
    );
    const plan = initialPlan(notBefore, notAfter, { ari, now: Date.now() });
    return {
      renewalStart: plan.renewalStart,
      renewalEnd: plan.renewalEnd,
      renewAt: plan.renewAt,
      nextCheckAt: plan.nextCheckAt,
    };
  }

  /**
   * When the certificates a new one supersedes are to be revoked, as the policy
   * (`FLEETCERT_REVOKE_SUPERSEDED_AFTER_MS`) asks; null when it asks for no revocation.
   * The succession itself is written with the certificate (`CertificateRepository.storeIssued`).
   */
  revokeSupersededAt(now: number): Date | null {
    const grace = this.config.renewal.revokeSupersededAfterMs;
    return grace === undefined ? null : new Date(now + grace);
  }
}
