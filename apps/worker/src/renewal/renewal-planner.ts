import { Inject, Injectable } from '@nestjs/common';
import type { AcmeCa } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { Certificate, Db, RenewalRepository } from '@fleetcert/db';
import { initialPlan } from './renewal-plan';

/**
 * What issuance records for renewal when it stores a certificate: its first renewal plan,
 * and which of the device's certificates it replaces.
 */
@Injectable()
export class RenewalPlanner {
  constructor(
    private readonly renewals: RenewalRepository,
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
   * Marks the device's older certificates for the same identifiers (and the one the request
   * replaced) as superseded by `created`, scheduling their revocation when the policy
   * (`FLEETCERT_REVOKE_SUPERSEDED_AFTER_MS`) asks for it. Part of the caller's transaction.
   */
  async recordSuccession(
    created: Certificate,
    request: { createdAt: Date; replacesCertificateId: string | null },
    tx: Db,
  ): Promise<void> {
    const grace = this.config.renewal.revokeSupersededAfterMs;
    const revokeAt = grace === undefined ? null : new Date(Date.now() + grace);
    await this.renewals.supersedeOlder(
      created,
      request.createdAt,
      request.replacesCertificateId,
      revokeAt,
      tx,
    );
  }
}
