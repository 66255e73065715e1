import { Inject, Injectable, Logger } from '@nestjs/common';
import { AcmeCa, AcmeProblemError } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { BucketsToRefill, Certificate, CertificateRepository, RateLimitRepository } from '@fleetcert/db';
import { errorMessage, Metrics } from '@fleetcert/observability';
import {
  authorizationFailureTransactions,
  BucketTransaction,
  bucketsNamedByRefusal,
  CaRateLimits,
  Exemption,
  Identifier,
  newOrderTransactions,
  resolveRateLimits,
  Settlement,
  successResets,
} from '@fleetcert/ratelimit';
import { RateLimitDeferral } from './rate-limit-deferral.error';

/** What the gate needs to know of a request. */
export interface GatedRequest {
  id: string;
  identifiers: unknown;
  identifierSet: string;
  replacesCertificateId: string | null;
  ariReplaces: string | null;
  /**
   * Whether a certificate for its identifier set was issued within the CA's renewal
   * look-back, read with the request (see {@link RateLimitGate.renewalLookbackStart}).
   */
  issuedWithinLookback: boolean;
}

/** The shortest deferral (see {@link RateLimitGate.beforeNewOrder}). */
const MIN_DEFERRAL_MS = 1000;

/** Problems that are not a failed validation at the CA, even when they name an identifier. */
const NOT_VALIDATION_FAILURES = new Set([
  'rateLimited',
  'badNonce',
  'serverInternal',
  'urn:fleetcert:acme:authorization-expired',
  'urn:fleetcert:acme:authorization-deactivated',
  'urn:fleetcert:acme:authorization-revoked',
]);

/**
 * Keeps fleetcert under the CA's rate limits: before a new order it checks and spends
 * every applicable bucket at once, applying the CA's exemptions; it records failed
 * validations, names the consecutive-failure buckets a success refills, and empties the
 * bucket a `rateLimited` answer names until its `Retry-After`. Buckets are per ACME account
 * (the directory URL: one account per directory).
 */
@Injectable()
export class RateLimitGate {
  private readonly logger = new Logger(RateLimitGate.name);
  readonly limits: CaRateLimits;
  private readonly scope: string;

  constructor(
    private readonly buckets: RateLimitRepository,
    private readonly certificates: CertificateRepository,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.scope = config.acme.directoryUrl;
    this.limits = resolveRateLimits(config.rateLimits, config.acme.directoryUrl);
  }

  /**
   * The start of the CA's renewal look-back for an attempt starting `now`, to read with the
   * request (`CertificateRequestRepository.beginAttempt`); null when no limit is exempt for
   * renewals. Read at the start of the attempt, not at the order: seconds against a
   * look-back of months.
   */
  renewalLookbackStart(now: Date): Date | null {
    if (this.limits.renewalExempt.length === 0) return null;
    return new Date(now.getTime() - this.limits.renewalLookbackMs);
  }

  /**
   * Creates a new order (never use it to resume a saved one) within the CA's limits:
   * spends the order's tokens, then calls `create` with the `replaces` to send. Throws
   * {@link RateLimitDeferral}, without calling `create`, when a bucket has no headroom.
   * When the CA refuses the newOrder itself (a problem answer: no order was created) the
   * tokens are given back, as the CA counted nothing.
   */
  async createOrder<T>(
    request: GatedRequest,
    create: (replaces: string | undefined) => Promise<T>,
  ): Promise<T> {
    const { replaces, spent } = await this.metrics.timeOrderStep('rate_limit', () =>
      this.beforeNewOrder(request),
    );
    try {
      return await this.metrics.timeOrderStep('new_order', () => create(replaces));
    } catch (err) {
      if (err instanceof AcmeProblemError && err.status >= 400 && err.status < 500 && spent) {
        await this.buckets
          .refund(this.scope, spent.writes, spent.transactions)
          .catch((e) => this.warn(request, 'refund', e));
      }
      throw err;
    }
  }

  /**
   * Spends the order's tokens and returns the `replaces` to send, or throws
   * {@link RateLimitDeferral} with the moment every blocking bucket will have refilled.
   */
  async beforeNewOrder(request: GatedRequest): Promise<{
    replaces?: string;
    spent?: { writes: Settlement['writes']; transactions: BucketTransaction[] };
  }> {
    const directory = await this.ca.directory();
    const replaces = request.ariReplaces && directory.renewalInfo ? request.ariReplaces : undefined;
    const identifiers = request.identifiers as Identifier[];
    const exemption = await this.exemption(request, identifiers, replaces);
    const transactions = newOrderTransactions(this.limits, {
      identifiers,
      identifierSet: request.identifierSet,
      exemption,
    });
    if (transactions.length === 0) return { replaces };
    const settlement = await this.buckets.apply(this.scope, transactions);
    if (!settlement.allowed) {
      for (const b of settlement.blocking) this.metrics.rateLimitDeferrals.inc({ limit: b.limit });
      const names = settlement.blocking.map((b) => `${b.limit} (${b.key})`).join(', ');
      // At least a second away: a worker clock a little behind the database's must not spin.
      const until = new Date(Math.max(settlement.availableAt, Date.now() + MIN_DEFERRAL_MS));
      this.logger.log({ requestId: request.id, until, blocking: names }, 'no rate-limit headroom; deferring');
      throw new RateLimitDeferral(
        until,
        settlement.blocking.map((b) => b.limit),
        `Waiting for CA rate-limit headroom: ${names} until ${until.toISOString()}`,
      );
    }
    return { replaces, spent: { writes: settlement.writes, transactions } };
  }

  /**
   * Spends the failure buckets of every identifier whose validation the CA failed. Never
   * throws: the caller is handling the failure itself, which matters more than the model.
   */
  async recordAuthorizationFailures(request: GatedRequest, errors: readonly unknown[]): Promise<void> {
    const failed = errors.filter(isValidationFailure).map((e) => e.identifier!);
    const transactions = failed.flatMap((id) => authorizationFailureTransactions(this.limits, id));
    if (transactions.length === 0) return;
    await this.buckets
      .apply(this.scope, transactions)
      .catch((err) => this.warn(request, 'record failures', err));
  }

  /**
   * The buckets an issuance refills: every identifier validated, so their consecutive-failure
   * counts start again. Written with the certificate (`CertificateRepository.storeIssued`).
   */
  successRefill(request: GatedRequest): BucketsToRefill {
    return { scope: this.scope, buckets: successResets(this.limits, request.identifiers as Identifier[]) };
  }

  /**
   * The CA said `rateLimited`: the bucket it names is empty until `until` (its
   * Retry-After), so no other request tries before then. Never throws.
   */
  async onRateLimited(request: GatedRequest, error: AcmeProblemError, until: Date): Promise<void> {
    const refs = bucketsNamedByRefusal(this.limits, error.detail, {
      identifiers: request.identifiers as Identifier[],
      identifierSet: request.identifierSet,
    });
    this.logger.warn(
      { requestId: request.id, until, buckets: refs },
      'CA rate limit reached; emptying its bucket',
    );
    await this.buckets
      .emptyUntil(
        this.scope,
        refs.map((ref) => ({ limit: this.limits.limits[ref.limit]!, key: ref.key })),
        until,
      )
      .catch((err) => this.warn(request, 'empty bucket', err));
  }

  private warn(request: GatedRequest, what: string, err: unknown): void {
    this.logger.warn(
      { requestId: request.id, err: errorMessage(err) },
      `rate-limit model: could not ${what}`,
    );
  }

  /**
   * The CA's exemption for this order: ARI when it names (with `replaces`) a live
   * certificate sharing an identifier, inside the window the CA suggested for it; renewal
   * when a certificate for the same identifier set was issued within the CA's look-back.
   */
  private async exemption(
    request: GatedRequest,
    identifiers: Identifier[],
    replaces: string | undefined,
  ): Promise<Exemption> {
    if (replaces && request.replacesCertificateId && this.limits.ariRenewalExempt) {
      const replaced = await this.certificates.getById(request.replacesCertificateId);
      if (replaced && isInsideAriWindow(replaced, identifiers, new Date())) return 'ari';
    }
    if (this.limits.renewalExempt.length === 0) return 'none';
    return request.issuedWithinLookback ? 'renewal' : 'none';
  }
}

function isInsideAriWindow(replaced: Certificate, identifiers: Identifier[], now: Date): boolean {
  if (replaced.supersededById || replaced.revokedAt || !replaced.ariCheckedAt) return false;
  if (!replaced.renewalStart || !replaced.renewalEnd) return false;
  if (now < replaced.renewalStart || now > replaced.renewalEnd) return false;
  const held = new Set(replaced.identifierSet.split(','));
  return identifiers.some((id) => held.has(`${id.type}:${id.value}`));
}

function isValidationFailure(error: unknown): error is AcmeProblemError {
  return (
    error instanceof AcmeProblemError &&
    error.identifier !== undefined &&
    !NOT_VALIDATION_FAILURES.has(error.code) &&
    !NOT_VALIDATION_FAILURES.has(error.type)
  );
}
