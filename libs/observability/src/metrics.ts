import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/** The steps of {@link Metrics.orderStep}. */
export type OrderStep =
  'rate_limit' | 'new_order' | 'challenge_publish' | 'ca_validation' | 'finalize' | 'download' | 'store';

/**
 * The process's Prometheus registry and the metrics every part of fleetcert shares.
 * Label values are always bounded sets (route patterns, outcomes, error types), never ids.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'fleetcert_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly httpRequestsShed = new Counter({
    name: 'fleetcert_http_requests_shed_total',
    help: 'Device requests answered 503 without being served because the API process was overloaded (a standing queue of device requests).',
    registers: [this.registry],
  });

  readonly readCacheLookups = new Counter({
    name: 'fleetcert_read_cache_lookups_total',
    help: "Lookups in the API's read caches, by cache (device_auth, device_request) and outcome (hit, miss).",
    labelNames: ['cache', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly dnsUpdates = new Counter({
    name: 'fleetcert_dns_updates_total',
    help: 'Dynamic DNS updates sent, by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly certificateRequests = new Counter({
    name: 'fleetcert_certificate_requests_total',
    help: 'Certificate request attempts by how they ended (valid, failed, deferred; interrupted: cut off by a worker shutdown, back to the queue).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly orderDuration = new Histogram({
    name: 'fleetcert_acme_order_duration_seconds',
    help: 'Time from order creation to a downloaded certificate.',
    labelNames: ['challenge'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  /**
   * Where an order's time goes, one step at a time (successful steps only): waiting for
   * rate-limit headroom in Postgres, the CA's newOrder, publishing the challenge (its record
   * stored, the TXT record written or the token served), the CA's validation (answer to a
   * valid authorization), finalize (to a valid order), the download, storing the certificate.
   * DNS propagation has its own histogram.
   */
  readonly orderStep = new Histogram({
    name: 'fleetcert_acme_order_step_seconds',
    help: 'Time an order spends in each step (rate_limit, new_order, challenge_publish, ca_validation, finalize, download, store).',
    labelNames: ['step'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  /** Group commit (`batchPerTurn`): how many calls one round trip served. */
  readonly batchSize = new Histogram({
    name: 'fleetcert_batch_size',
    help: 'Calls served by one round trip of group commit, by kind: submissions (one statement and commit), token_lookups (one statement), job_adds (one addBulk).',
    labelNames: ['kind'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });

  readonly dnsPropagationWait = new Histogram({
    name: 'fleetcert_dns_propagation_wait_seconds',
    help: 'Time until every authoritative nameserver served a challenge TXT record.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly acmeErrors = new Counter({
    name: 'fleetcert_acme_errors_total',
    help: 'ACME problem documents received, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  /** Reads the issuance queue's counts when scraped: set by the process that has the queue (the API). */
  private queueJobCounts?: () => Promise<Record<string, number>>;

  readonly queueJobs = new Gauge({
    name: 'fleetcert_queue_jobs',
    help: 'Jobs in the issuance queue by state (waiting, active, delayed, failed, completed), read from Redis at scrape time; no samples while Redis does not answer.',
    labelNames: ['state'] as const,
    // The queue is shared: API processes that sample it report the same numbers, not parts.
    aggregator: 'max',
    registers: [this.registry],
    collect: async () => {
      this.queueJobs.reset();
      if (!this.queueJobCounts) return;
      try {
        for (const [state, jobs] of Object.entries(await this.queueJobCounts())) {
          this.queueJobs.set({ state }, jobs);
        }
      } catch {
        // Redis away (the read is refused at once, or gives up at its deadline): no samples
        // rather than stale ones, and the rest of the scrape still answers. /health names it.
      }
    },
  });

  readonly rateLimitDeferrals = new Counter({
    name: 'fleetcert_rate_limit_deferrals_total',
    help: 'Orders held back because a modelled CA rate limit had no headroom, by the limit that blocked.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly renewalsStarted = new Counter({
    name: 'fleetcert_renewals_started_total',
    help: 'Renewal requests created, by trigger (ari, fallback, forced).',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  readonly ariPolls = new Counter({
    name: 'fleetcert_ari_polls_total',
    help: 'ACME Renewal Information (RFC 9773) polls, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly renewalPassDuration = new Histogram({
    name: 'fleetcert_renewal_pass_duration_seconds',
    help: 'Duration of one renewal scheduler pass.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly certificatesRevoked = new Counter({
    name: 'fleetcert_certificates_revoked_total',
    help: 'Certificates revoked, by reason (superseded by policy, operator).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** Has {@link queueJobs} read the issuance queue's counts with `counts` at each scrape. */
  sampleQueueJobsWith(counts: () => Promise<Record<string, number>>): void {
    this.queueJobCounts = counts;
  }

  /** Runs one step of an order and, when it succeeds, records how long it took ({@link orderStep}). */
  async timeOrderStep<T>(step: OrderStep, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await run();
    this.orderStep.observe({ step }, (performance.now() - started) / 1000);
    return result;
  }

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'fleetcert_' });
  }
}
