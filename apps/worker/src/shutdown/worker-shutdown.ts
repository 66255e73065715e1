import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { AcmeCa } from '@fleetcert/acme';
import { ACME_CA } from '@fleetcert/adapters';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';

/**
 * The worker's shutdown interrupt. On SIGTERM the queues stop taking jobs and wait for the
 * ones in hand (their `onApplicationShutdown`); an order against a CA or a nameserver that
 * does not answer would hold that wait, and the process, for minutes (request timeouts times
 * retries, propagation and order deadlines). So once `FLEETCERT_WORKER_SHUTDOWN_GRACE_MS`
 * has passed, this cuts every such wait off: the CA client is closed (its calls reject with
 * `AcmeClientClosedError`) and {@link signal} aborts DNS and challenge waits. Each attempt
 * cut off goes back to the queue as it is (see `IssueCertificateService`), to resume its
 * saved order on the next worker.
 */
@Injectable()
export class WorkerShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerShutdown.name);
  private readonly interrupt = new AbortController();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACME_CA) private readonly ca: AcmeCa,
  ) {}

  /** Aborted when the grace period is over: waits that listen to it end. */
  get signal(): AbortSignal {
    return this.interrupt.signal;
  }

  /** Whether work in hand is being cut off: an attempt ending now ends because of it. */
  get interrupted(): boolean {
    return this.interrupt.signal.aborted;
  }

  /** Runs before any queue is closed: the grace period covers their whole wait for jobs in hand. */
  beforeApplicationShutdown(): void {
    const graceMs = this.config.worker.shutdownGraceMs;
    // Unref'd: a worker whose jobs all finish in time exits without waiting it out.
    setTimeout(() => this.cutOff(graceMs), graceMs).unref();
  }

  /** Ends every wait on the CA and on DNS now. */
  cutOff(graceMs: number): void {
    if (this.interrupted) return;
    this.logger.warn(
      { graceMs },
      'shutdown grace period over: cutting off orders in hand; they resume on the next worker',
    );
    this.interrupt.abort();
    this.ca.close();
  }
}
