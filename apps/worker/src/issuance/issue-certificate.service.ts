import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AccountKeyChangedError,
  AcmeCa,
  AcmeOrder,
  AcmeProblemError,
  AcmeErrorClassification,
  chooseProfile,
  classifyAcmeError,
  ProfileUnavailableError,
  FLEETCERT_ERROR_TYPES,
} from '@fleetcert/acme';
import { ACME_CA, ShutdownGrace } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { CertificateRepository, CertificateRequestRepository, RequestForWork } from '@fleetcert/db';
import {
  DnsError,
  DnsUnavailableError,
  DnsUpdateRefusedError,
  InvalidDnsRequestError,
  PropagationTimeoutError,
} from '@fleetcert/dns';
import { errorMessage, Metrics } from '@fleetcert/observability';
import { csrDer, parseCertificateChain } from '@fleetcert/pki';
import { Dns01Solver } from './dns01-solver';
import { Http01Solver } from './http01-solver';
import { IssuanceOutcome, RetryableIssuanceError } from './issuance-outcome';
import { RateLimitDeferral } from './rate-limit-deferral.error';
import { GatedRequest, RateLimitGate } from './rate-limit-gate';
import { RenewalPlanner } from '../renewal/renewal-planner';

/** RCODEs that mean the update will never be accepted as configured. */
const PERMANENT_RCODES = new Set(['REFUSED', 'NOTAUTH', 'NOTZONE', 'YXDOMAIN', 'NXRRSET']);

/** A request taken up for an attempt, with what the rate-limit gate needs read along with it. */
type Work = RequestForWork & GatedRequest;

/**
 * Runs one attempt at a certificate request: resume or create the ACME order (its URL is
 * saved the moment the CA returns it, so a crashed worker never orders twice), solve its
 * authorizations concurrently, finalize with the device's CSR, store the chain.
 *
 * Safe to run again at any point: a finished request is left alone, a saved order is
 * resumed, records a crashed attempt left in DNS are removed.
 */
@Injectable()
export class IssueCertificateService {
  private readonly logger = new Logger(IssueCertificateService.name);

  constructor(
    private readonly requests: CertificateRequestRepository,
    private readonly certificates: CertificateRepository,
    private readonly dns01: Dns01Solver,
    private readonly http01: Http01Solver,
    private readonly gate: RateLimitGate,
    private readonly renewal: RenewalPlanner,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly shutdown: ShutdownGrace,
  ) {}

  async run(requestId: string, isLastAttempt: boolean): Promise<IssuanceOutcome> {
    const started = Date.now();
    // Read (with what the rate-limit gate asks of past certificates) and, when it may start,
    // marked processing in one statement.
    const now = new Date(started);
    const attempt = await this.requests.beginAttempt(requestId, now, this.gate.renewalLookbackStart(now));
    if (!attempt) return { kind: 'done' };
    const request: Work = { ...attempt.request, issuedWithinLookback: attempt.issuedSince };
    if (!attempt.started) {
      if (request.status === 'valid' || request.status === 'failed') return { kind: 'done' };
      if (request.device.status !== 'active') {
        await this.fail(request, {
          kind: 'fail',
          type: 'urn:fleetcert:error:deviceDisabled',
          detail: 'The device was disabled',
        });
        return { kind: 'done' };
      }
      // An open request of an active device waits for its deferral; without one, it changed
      // under us (another worker finished it): nothing to do here.
      return request.deferredUntil ? { kind: 'defer', until: request.deferredUntil } : { kind: 'done' };
    }
    try {
      await this.sweepLeftovers(request);
      const order = await this.issue(request);
      await this.store(request, order);
      this.metrics.orderDuration.observe(
        { challenge: request.challengeType === 'http_01' ? 'http-01' : 'dns-01' },
        (Date.now() - started) / 1000,
      );
      this.metrics.certificateRequests.inc({ outcome: 'valid' });
      return { kind: 'done' };
    } catch (err) {
      return this.handleError(request, err, isLastAttempt);
    }
  }

  private async issue(request: Work): Promise<AcmeOrder> {
    await this.ca.ensureAccount();
    const deadline = new Date(Date.now() + this.config.acme.orderTimeoutMs);
    let order = await this.resumeOrCreateOrder(request);

    if (order.status === 'pending') {
      const results = await Promise.allSettled(
        order.authorizations.map((url) => this.solve(request, url, deadline)),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      await this.gate.recordAuthorizationFailures(
        request,
        results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])),
      );
      if (failed) throw failed.reason;
    }
    // Every authorization is valid now (or was when the order was resumed `ready`), so the
    // order is finalized at once: polling it for `ready` first cost the CA and us one
    // signed request an order (finalizeAuthorized waits should the CA disagree).
    if (order.status === 'pending' || order.status === 'ready') {
      // Checked at submission: only its bytes are needed here (a full re-parse cost ~3 ms a certificate).
      const authorized = order;
      order = await this.metrics.timeOrderStep('finalize', async () => {
        const finalized = await this.ca.finalizeAuthorized(authorized, csrDer(request.csrPem), deadline);
        return finalized.status === 'valid'
          ? finalized
          : this.ca.waitForOrder(finalized.url, ['valid'], deadline);
      });
    }
    if (order.status !== 'valid') order = await this.ca.waitForOrder(order.url, ['valid'], deadline);
    return order;
  }

  /**
   * One authorization, by the kind of identifier it is for: DNS names by dns-01 in the
   * fleet zone, IP addresses by http-01 (the only way a CA validates an address).
   */
  private async solve(request: Work, authorizationUrl: string, deadline: Date): Promise<void> {
    const authz = await this.ca.getAuthorization(authorizationUrl);
    if (authz.identifier.type === 'ip') {
      await this.http01.solve(request.id, request.http01Mode ?? 'proxy', authz, deadline);
    } else {
      await this.dns01.solve(request.id, authz, deadline);
    }
  }

  private async resumeOrCreateOrder(request: Work): Promise<AcmeOrder> {
    if (request.orderUrl) {
      try {
        const order = await this.ca.getOrder(request.orderUrl);
        if (order.status !== 'invalid') return order;
        if (order.error) throw AcmeProblemError.fromDocument(order.error);
      } catch (err) {
        // An order the CA forgot (expired, 404) is ordered again; anything else is a real error.
        if (!(err instanceof AcmeProblemError && err.status === 404)) throw err;
      }
      this.logger.warn(
        { requestId: request.id, orderUrl: request.orderUrl },
        'saved order is gone; ordering again',
      );
    }
    const identifiers = request.identifiers as unknown as { type: 'dns' | 'ip'; value: string }[];
    const profile = chooseProfile({
      advertised: (await this.ca.directory()).meta.profiles,
      requested: request.profile ?? undefined,
      fleetDefault: request.device.fleet.defaultProfile ?? undefined,
      hasIp: identifiers.some((i) => i.type === 'ip'),
    });
    // Within the CA's rate limits (or RateLimitDeferral): only new orders spend.
    const order = await this.gate.createOrder(request, (replaces) =>
      this.ca.createOrder({ identifiers, profile, replaces }),
    );
    // Saved before anything else happens: this is what makes a restart resume instead of re-order.
    await this.requests.saveOrderUrl(request.id, order.url, new Date());
    return order;
  }

  private async store(request: Work, order: AcmeOrder): Promise<void> {
    const pem = await this.metrics.timeOrderStep('download', () => this.ca.downloadCertificate(order));
    const cert = parseCertificateChain(pem);
    const plan = await this.renewal.planNew(cert.notBefore, cert.notAfter);
    const now = Date.now();
    // The certificate, its succession, the request's new status and the refilled
    // consecutive-failure buckets: one atomic statement.
    const issued = {
      requestId: request.id,
      serial: cert.serialHex,
      ariCertId: cert.ariCertId ?? `${request.id}.noaki`,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      chainPem: cert.chainPem,
      publicKeySha256: cert.publicKeySha256,
      ...plan,
      revokeSupersededAt: this.renewal.revokeSupersededAt(now),
    };
    await this.metrics.timeOrderStep('store', () =>
      this.certificates.storeIssued(issued, new Date(now), this.gate.successRefill(request)),
    );
    this.logger.log(
      { requestId: request.id, serial: cert.serialHex, notAfter: cert.notAfter },
      'certificate issued',
    );
  }

  private async handleError(request: Work, err: unknown, isLastAttempt: boolean): Promise<IssuanceOutcome> {
    // Whatever the error says, it came from the cut-off (a closed CA client, an aborted
    // wait), not from the order: nothing is recorded against it, and it resumes elsewhere.
    if (this.shutdown.interrupted) return this.interrupted(request, err);
    const verdict = classify(err);
    if (!(err instanceof RateLimitDeferral)) this.metrics.acmeErrors.inc({ type: shortType(verdict.type) });
    this.logger.warn(
      { requestId: request.id, kind: verdict.kind, type: verdict.type, detail: verdict.detail },
      'attempt did not finish',
    );

    if (verdict.kind === 'fail' || (verdict.kind !== 'defer' && isLastAttempt)) {
      await this.fail(request, verdict);
      return { kind: 'done' };
    }
    if (verdict.kind === 'defer') {
      const until = verdict.retryAfter ?? new Date(Date.now() + 60_000);
      if (err instanceof AcmeProblemError) await this.gate.onRateLimited(request, err, until);
      await this.requests.update(request.id, {
        status: 'deferred',
        deferredUntil: until,
        errorType: verdict.type,
        errorDetail: verdict.detail,
      });
      this.metrics.certificateRequests.inc({ outcome: 'deferred' });
      return { kind: 'defer', until };
    }
    if (verdict.kind === 'reorder')
      await this.requests.update(request.id, { orderUrl: null, ariReplaces: null });
    // Retry: back to pending with the last transient error visible, until the next attempt.
    await this.requests.update(request.id, {
      status: 'pending',
      errorType: verdict.type,
      errorDetail: verdict.detail,
    });
    throw new RetryableIssuanceError(verdict.type, verdict.detail);
  }

  /** Back to `pending` as it stood: its order URL, challenges and last error are kept for the next attempt. */
  private async interrupted(request: Work, err: unknown): Promise<IssuanceOutcome> {
    await this.requests.update(request.id, { status: 'pending' });
    this.metrics.certificateRequests.inc({ outcome: 'interrupted' });
    this.logger.log(
      { requestId: request.id, err: errorMessage(err) },
      'attempt cut off by shutdown; back to the queue',
    );
    return { kind: 'interrupted' };
  }

  private async fail(request: Work, verdict: AcmeErrorClassification): Promise<void> {
    await this.requests.update(request.id, {
      status: 'failed',
      completedAt: new Date(),
      errorType: verdict.type,
      errorDetail: verdict.detail,
    });
    this.metrics.certificateRequests.inc({ outcome: 'failed' });
  }

  /** TXT records of an earlier attempt that died between presenting and cleaning up. */
  private async sweepLeftovers(request: Work): Promise<void> {
    for (const c of request.leftoverDns01) await this.dns01.cleanUp(c);
  }
}

/** ACME errors classify themselves; DNS errors are ours: outages retry, refusals fail. */
function classify(err: unknown): AcmeErrorClassification {
  if (err instanceof PropagationTimeoutError || err instanceof DnsUnavailableError) {
    return { kind: 'retry', type: 'urn:fleetcert:error:dns', detail: err.message };
  }
  if (err instanceof RateLimitDeferral) {
    return { kind: 'defer', retryAfter: err.until, type: RateLimitDeferral.TYPE, detail: err.message };
  }
  if (err instanceof AccountKeyChangedError) {
    // The next attempt resumes the order and publishes with the new key.
    return { kind: 'retry', type: FLEETCERT_ERROR_TYPES.accountKeyChanged, detail: err.message };
  }
  if (err instanceof ProfileUnavailableError) {
    return { kind: 'fail', type: 'urn:ietf:params:acme:error:invalidProfile', detail: err.message };
  }
  if (
    err instanceof InvalidDnsRequestError ||
    (err instanceof DnsUpdateRefusedError && PERMANENT_RCODES.has(err.rcode))
  ) {
    // The zone or the key's update-policy says no: retrying changes nothing until an operator acts.
    return { kind: 'fail', type: 'urn:fleetcert:error:dns', detail: `DNS update refused: ${err.message}` };
  }
  if (err instanceof DnsError) {
    // SERVFAIL, a TSIG time-window miss under load, a garbled answer: transient.
    return { kind: 'retry', type: 'urn:fleetcert:error:dns', detail: err.message };
  }
  const verdict = classifyAcmeError(err);
  if (verdict.type === FLEETCERT_ERROR_TYPES.internal) {
    return { ...verdict, kind: 'retry' };
  }
  return verdict;
}

function shortType(type: string): string {
  return type.slice(type.lastIndexOf(':') + 1) || 'unknown';
}
