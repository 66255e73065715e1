import { Inject, Injectable, Logger } from '@nestjs/common';
import { AcmeCa, AcmeProblemError } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import {
  ariCertIdOf,
  DueCertificate,
  RenewalRepository,
  RenewalSchedule,
  ReplacementState,
} from '@fleetcert/db';
import { errorMessage, Metrics } from '@fleetcert/observability';
import { failureBackoffMs, initialPlan, planFromRenewalInfo, recheckDelayMs } from './renewal-plan';

/** Hands a new request to the issuance queue (a port, so the pass can be driven without BullMQ). */
export interface IssuanceEnqueuer {
  enqueue(requestId: string): Promise<void>;
}

/** What one pass did. */
export interface PassResult {
  examined: number;
  renewalsStarted: number;
  ariPolls: number;
  revoked: number;
}

/** A claimed row that nobody rescheduled (a crash) is claimed again after this long. */
const LEASE_MS = 5 * 60_000;
/** Certificates handled at once within a batch (each may wait on the CA's renewalInfo), at most one per pooled connection. */
const PARALLEL = 16;
const DAY_MS = 86_400_000;

/**
 * One renewal pass: claims the certificates whose `nextCheckAt` has come, batch by batch,
 * and for each decides:
 * - superseded: revoke it when the policy says so and its grace has passed, else forget it;
 * - its device disabled: look again in a day;
 * - a replacement already under way (or failed recently): look again later;
 * - with ARI: poll renewalInfo when due for a poll, honouring `Retry-After`, and renew at
 *   the random moment chosen inside the CA's window (`replaces` the certificate);
 * - without ARI: renew at the moment chosen at issuance in the fallback window.
 * Renewing creates a request that reuses the device's CSR and enqueues it like the API does.
 */
@Injectable()
export class RenewalService {
  private readonly logger = new Logger(RenewalService.name);

  constructor(
    private readonly renewals: RenewalRepository,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** Runs until nothing is due (or `maxBatches` were handled, to keep one pass bounded). */
  async runPass(queue: IssuanceEnqueuer, maxBatches = 20): Promise<PassResult> {
    const started = Date.now();
    const result: PassResult = { examined: 0, renewalsStarted: 0, ariPolls: 0, revoked: 0 };
    const ari = await this.ca.directory().then(
      (d) => d.renewalInfo !== undefined,
      (err) => {
        this.logger.warn({ err: errorMessage(err) }, 'CA directory unreachable; renewal pass without ARI');
        return false;
      },
    );
    for (let batch = 0; batch < maxBatches; batch++) {
      const now = Date.now();
      const due = await this.renewals.claimDue(
        new Date(now),
        new Date(now + LEASE_MS),
        this.config.renewal.batchSize,
      );
      if (due.length === 0) break;
      const states = await this.renewals.replacementStates(due.map((c) => c.id));
      await forEachLimited(due, Math.min(PARALLEL, this.config.database.poolSize), (cert) =>
        this.handle(cert, states.get(cert.id), ari, queue, result).catch((err) => {
          // The lease brings it back; one bad row never stops the pass.
          this.logger.warn({ certificateId: cert.id, err: errorMessage(err) }, 'renewal check failed');
        }),
      );
      result.examined += due.length;
      if (due.length < this.config.renewal.batchSize) break;
    }
    this.metrics.renewalPassDuration.observe((Date.now() - started) / 1000);
    if (result.renewalsStarted + result.revoked > 0) this.logger.log(result, 'renewal pass');
    return result;
  }

  private async handle(
    cert: DueCertificate,
    state: ReplacementState | undefined,
    ari: boolean,
    queue: IssuanceEnqueuer,
    result: PassResult,
  ): Promise<void> {
    const now = Date.now();
    if (cert.revokedAt) return this.schedule(cert, { nextCheckAt: null });
    if (cert.supersededById) return this.handleSuperseded(cert, now, result);
    // A disabled device, or one that no longer reports an address the certificate names
    // (orders are built only from identifiers the device holds): look again in a day.
    if (cert.deviceStatus !== 'active' || !stillHeld(cert)) {
      return this.schedule(cert, { nextCheckAt: new Date(now + DAY_MS) });
    }
    if (state?.open) return this.schedule(cert, { nextCheckAt: later(cert, now) });
    if (state && state.failed > 0 && state.lastFailedAt) {
      const retryAt =
        state.lastFailedAt.getTime() + failureBackoffMs(cert.notBefore, cert.notAfter, state.failed);
      if (retryAt > now) return this.schedule(cert, { nextCheckAt: new Date(retryAt) });
    }

    let renewAt = cert.renewAt;
    if (!renewAt) {
      // Certificates stored before renewal planning existed get their plan now.
      const plan = initialPlan(cert.notBefore, cert.notAfter, { ari, now });
      renewAt = plan.renewAt;
      if (!ari && renewAt.getTime() > now) return this.schedule(cert, plan);
    }
    const chosenFromAri = cert.ariCheckedAt !== null;
    if (ari && !(chosenFromAri && renewAt.getTime() <= now)) {
      result.ariPolls++;
      const polled = await this.pollAri(cert, chosenFromAri ? renewAt : null, now);
      if (polled === 'error') {
        // The CA's renewalInfo is unreachable: the fallback moment still stands, so a
        // certificate never lapses waiting for ARI.
        if (renewAt.getTime() > now) {
          const retry = Math.min(now + recheckDelayMs(cert.notBefore, cert.notAfter), renewAt.getTime());
          return this.schedule(cert, { renewAt, nextCheckAt: new Date(retry) });
        }
      } else if (!polled.due) {
        return this.schedule(cert, polled.schedule);
      } else {
        await this.schedule(cert, polled.schedule);
      }
    } else if (renewAt.getTime() > now) {
      return this.schedule(cert, { renewAt, nextCheckAt: renewAt });
    }
    await this.renew(cert, ari ? 'ari' : 'fallback', queue, result, now);
  }

  private async pollAri(
    cert: DueCertificate,
    chosenBefore: Date | null,
    now: number,
  ): Promise<'error' | { due: boolean; schedule: RenewalSchedule }> {
    try {
      const info = await this.ca.renewalInfo(leafOf(cert.chainPem));
      if (!info) return 'error';
      this.metrics.ariPolls.inc({ outcome: 'ok' });
      const plan = planFromRenewalInfo(info, chosenBefore, { now });
      return {
        due: plan.due,
        schedule: {
          renewalStart: plan.renewalStart,
          renewalEnd: plan.renewalEnd,
          renewAt: plan.renewAt,
          ariCheckedAt: new Date(now),
          nextCheckAt: plan.nextCheckAt,
        },
      };
    } catch (err) {
      this.metrics.ariPolls.inc({ outcome: 'error' });
      this.logger.warn({ certificateId: cert.id, err: errorMessage(err) }, 'renewalInfo poll failed');
      return 'error';
    }
  }

  private async renew(
    cert: DueCertificate,
    trigger: 'ari' | 'fallback',
    queue: IssuanceEnqueuer,
    result: PassResult,
    now: number,
  ): Promise<void> {
    const created = await this.renewals.createRenewal(cert, ariCertIdOf(cert.ariCertId));
    if (!created) return this.schedule(cert, { nextCheckAt: null });
    if (created.created) {
      result.renewalsStarted++;
      this.metrics.renewalsStarted.inc({ trigger });
      this.logger.log(
        { certificateId: cert.id, requestId: created.request.id, trigger },
        'renewal requested',
      );
      // A failed enqueue is not lost: the request is in Postgres and the reconciler enqueues it.
      await queue
        .enqueue(created.request.id)
        .catch((err) =>
          this.logger.warn({ requestId: created.request.id, err: errorMessage(err) }, 'enqueue failed'),
        );
    }
    await this.schedule(cert, { nextCheckAt: later(cert, now) });
  }

  private async handleSuperseded(cert: DueCertificate, now: number, result: PassResult): Promise<void> {
    const grace = this.config.renewal.revokeSupersededAfterMs;
    if (grace === undefined || cert.notAfter.getTime() <= now)
      return this.schedule(cert, { nextCheckAt: null });
    const revokeAt = (cert.supersededAt?.getTime() ?? now) + grace;
    if (revokeAt > now) return this.schedule(cert, { nextCheckAt: new Date(revokeAt) });
    try {
      await this.ca.revoke(leafOf(cert.chainPem), 4 /* superseded */);
    } catch (err) {
      if (!(err instanceof AcmeProblemError && err.code === 'alreadyRevoked')) {
        this.logger.warn({ certificateId: cert.id, err: errorMessage(err) }, 'revocation failed; will retry');
        return this.schedule(cert, { nextCheckAt: later(cert, now) });
      }
    }
    await this.renewals.markRevoked(cert.id, 'superseded', new Date());
    this.metrics.certificatesRevoked.inc({ reason: 'superseded' });
    result.revoked++;
  }

  private schedule(cert: DueCertificate, schedule: RenewalSchedule): Promise<void> {
    return this.renewals.schedule(cert.id, schedule, cert.supersededById ? 'superseded' : 'live');
  }
}

/** Whether every identifier of the certificate is still the device's own. */
function stillHeld(cert: DueCertificate): boolean {
  const held = new Set([`dns:${cert.deviceHostname}`, `ip:${cert.deviceIpv4}`, `ip:${cert.deviceIpv6}`]);
  return cert.identifierSet.split(',').every((id) => held.has(id));
}

function later(cert: DueCertificate, now: number): Date {
  return new Date(now + recheckDelayMs(cert.notBefore, cert.notAfter));
}

/** The leaf of a PEM chain (the first block). */
function leafOf(chainPem: string): string {
  const end = '-----END CERTIFICATE-----';
  return chainPem.slice(0, chainPem.indexOf(end) + end.length) + '\n';
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
