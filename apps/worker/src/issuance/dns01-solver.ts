import { Inject, Injectable, Logger } from '@nestjs/common';
import { AcmeProblemError, dns01TxtValueOf, type AcmeAuthorization, type AcmeCa } from '@fleetcert/acme';
import { ACME_CA, DNS_PROPAGATION, DNS_PROVIDER, ShutdownGrace } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { ChallengeRecord, ChallengeRepository } from '@fleetcert/db';
import type { DnsProvider, PropagationChecker } from '@fleetcert/dns';
import { errorMessage, Metrics } from '@fleetcert/observability';
import { challengeToSolve } from './challenge-to-solve';

/**
 * Solves one authorization with DNS-01: TXT record through the DnsProvider, our own
 * propagation check at every authoritative nameserver (never acme-client's self-check),
 * then the challenge answer and the wait for the CA's verdict. The TXT record is removed
 * in every outcome.
 */
@Injectable()
export class Dns01Solver {
  private readonly logger = new Logger(Dns01Solver.name);

  constructor(
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    @Inject(DNS_PROVIDER) private readonly dns: DnsProvider,
    @Inject(DNS_PROPAGATION) private readonly propagation: PropagationChecker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly challenges: ChallengeRepository,
    private readonly metrics: Metrics,
    private readonly shutdown: ShutdownGrace,
  ) {}

  async solve(requestId: string, authz: AcmeAuthorization, deadline: Date): Promise<void> {
    const authorizationUrl = authz.url;
    const challenge = challengeToSolve(authz, 'dns-01');
    if (!challenge) return;

    const fqdn = `_acme-challenge.${authz.identifier.value}`;
    // One key authorization for both the record and the answer (the key may be rolled over meanwhile).
    const keyAuthorization = await this.ca.keyAuthorization(challenge.token);
    const txt = dns01TxtValueOf(keyAuthorization);
    // Recorded as presented before the TXT record is written: whatever happens from here
    // on, even a crash, the record can be found and removed (see `cleanUp`).
    const publishStarted = performance.now();
    const row = await this.challenges.upsert(
      {
        requestId,
        type: 'dns_01',
        identifierType: authz.identifier.type,
        identifierValue: authz.identifier.value,
        authorizationUrl,
        challengeUrl: challenge.url,
        token: challenge.token,
        keyAuthorization: txt,
        expiresAt: authz.expires,
      },
      'presented',
    );
    let current = row;
    try {
      await this.dns.presentTxt(fqdn, txt);
      this.metrics.orderStep.observe(
        { step: 'challenge_publish' },
        (performance.now() - publishStarted) / 1000,
      );
      const { waitedMs } = await this.propagation.waitForTxt(this.config.fleet.zone, fqdn, txt, {
        signal: this.shutdown.signal,
      });
      this.metrics.dnsPropagationWait.observe(waitedMs / 1000);
      // A resumed order may have answered already; answering twice is harmless but wasteful.
      await this.metrics.timeOrderStep('ca_validation', async () => {
        if (challenge.status === 'pending') await this.ca.answerChallenge(challenge.url, keyAuthorization);
        await this.ca.waitForAuthorization(authorizationUrl, deadline);
      });
      current = await this.challenges.setStatus(row.id, 'valid');
    } catch (err) {
      if (err instanceof AcmeProblemError)
        current = await this.challenges.setStatus(row.id, 'invalid').catch(() => current);
      throw err;
    } finally {
      await this.cleanUp(current);
    }
  }

  /**
   * Removes a challenge's TXT record; also used for records a crashed attempt left behind.
   * A challenge that reached a verdict keeps it (`valid`/`invalid`); an unfinished one becomes `cleaned`.
   */
  async cleanUp(row: ChallengeRecord): Promise<void> {
    const fqdn = `_acme-challenge.${row.identifierValue}`;
    try {
      await this.dns.cleanUpTxt(fqdn, row.keyAuthorization);
      if (row.status === 'presented' || row.status === 'pending')
        await this.challenges.setStatus(row.id, 'cleaned');
    } catch (err) {
      // The record stays until the next attempt or the reconciler's sweep; it is harmless to the zone.
      this.logger.warn({ fqdn, err: errorMessage(err) }, 'could not remove challenge TXT record');
    }
  }
}
