import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AcmeAuthorization, AcmeCa, AcmeProblemError } from '@fleetcert/acme';
import { ACME_CA, ShutdownGrace } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { ChallengeRecord, ChallengeRepository } from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import { challengeToSolve } from './challenge-to-solve';

const PULL_POLL_MS = 250;

/**
 * Solves one authorization with http-01, for IP addresses (Let's Encrypt validates those
 * only over http-01 or tls-alpn-01). The CA connects to the device's port 80; the device
 * forwards or redirects `/.well-known/acme-challenge/*` to our public responder (`proxy`
 * mode) or serves the challenges it pulled from the device API (`pull` mode).
 *
 * Storing the challenge row is what makes the responder serve its token; once the CA has
 * decided, the row leaves the servable states and the token is no longer answered. There
 * is deliberately no self-check fetch of `http://<ip>/…` from the server (an SSRF path):
 * in pull mode we wait for the device to confirm it has the challenge instead.
 */
@Injectable()
export class Http01Solver {
  constructor(
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly challenges: ChallengeRepository,
    private readonly metrics: Metrics,
    private readonly shutdown: ShutdownGrace,
  ) {}

  async solve(
    requestId: string,
    mode: 'proxy' | 'pull',
    authz: AcmeAuthorization,
    deadline: Date,
  ): Promise<void> {
    const authorizationUrl = authz.url;
    const challenge = challengeToSolve(authz, 'http-01');
    if (!challenge) return;

    // Proxy mode: presented (served by the responder) as soon as it is stored. Pull mode: a
    // new row waits, pending, for the device to fetch it.
    const publishStarted = performance.now();
    let row = await this.challenges.upsert(
      {
        requestId,
        type: 'http_01',
        identifierType: authz.identifier.type,
        identifierValue: authz.identifier.value,
        authorizationUrl,
        challengeUrl: challenge.url,
        token: challenge.token,
        keyAuthorization: await this.ca.keyAuthorization(challenge.token),
        expiresAt: authz.expires,
      },
      mode === 'pull' ? undefined : 'presented',
    );
    try {
      if (mode === 'pull') row = await this.waitUntilPulled(row);
      // Proxy: stored, so served. Pull: until the device fetched it (or the wait ran out).
      this.metrics.orderStep.observe(
        { step: 'challenge_publish' },
        (performance.now() - publishStarted) / 1000,
      );
      await this.metrics.timeOrderStep('ca_validation', async () => {
        if (challenge.status === 'pending')
          await this.ca.answerChallenge(challenge.url, row.keyAuthorization);
        await this.ca.waitForAuthorization(authorizationUrl, deadline);
      });
      row = await this.challenges.setStatus(row.id, 'valid');
    } catch (err) {
      if (err instanceof AcmeProblemError)
        row = await this.challenges.setStatus(row.id, 'invalid').catch(() => row);
      throw err;
    } finally {
      // Whatever happened, the responder stops answering this token.
      if (row.status === 'pending' || row.status === 'presented')
        await this.challenges.setStatus(row.id, 'cleaned');
    }
  }

  /**
   * Pull mode: the device fetches its challenges from the device API, which marks them
   * presented. Past the timeout the challenge is answered anyway (the device may serve it
   * from an earlier fetch); the CA's verdict is what counts.
   */
  private async waitUntilPulled(row: ChallengeRecord): Promise<ChallengeRecord> {
    const until = Date.now() + this.config.certificates.http01PullTimeoutMs;
    let current: ChallengeRecord | null = row;
    while (current && current.status === 'pending' && Date.now() < until) {
      await sleep(PULL_POLL_MS, undefined, { signal: this.shutdown.signal });
      current = await this.challenges.get(row.id);
    }
    return current ?? row;
  }
}
