import {
  BeforeApplicationShutdown,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { AcmeCa } from '@fleetcert/acme';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { ACME_CA } from '../acme/acme.module';

/**
 * The shutdown interrupt of both apps. On SIGTERM the worker's queues stop taking jobs and
 * wait for those in hand, and the API stops taking requests and waits for those in flight;
 * work waiting on a CA or a nameserver that does not answer would hold that wait, and the
 * process, for minutes (request timeouts times retries, propagation and order deadlines).
 * So once `FLEETCERT_SHUTDOWN_GRACE_MS` has passed, this cuts every such wait off: the CA
 * client is closed (its calls reject with `AcmeClientClosedError`, which the API answers
 * with 503) and {@link signal} aborts the worker's DNS and challenge waits. An order cut
 * off goes back to the queue as it stood (see `IssueCertificateService`), to resume its
 * saved order on the next worker.
 */
@Injectable()
export class ShutdownGrace implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ShutdownGrace.name);
  private readonly interrupt = new AbortController();
  private timer?: NodeJS.Timeout;

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

  /** Runs before the queues and the HTTP server close: the grace period covers their whole wait. */
  beforeApplicationShutdown(): void {
    const graceMs = this.config.shutdownGraceMs;
    // Unref'd: a process whose work all finishes in time exits without waiting it out.
    this.timer = setTimeout(() => this.cutOff(graceMs), graceMs).unref();
  }

  /**
   * The work it guards is over by now: Nest runs this global module's shutdown hooks after
   * the apps' own (the queues' close) and after the HTTP server closed. An app closed in a
   * process that goes on (tests, the CLI) must not be cut off, and warn, later.
   */
  onApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  /** Ends every wait on the CA and on DNS now (once: only the grace timer calls it). */
  private cutOff(graceMs: number): void {
    this.logger.warn(
      { graceMs },
      'shutdown grace period over: cutting off what still waits on the CA or DNS',
    );
    this.interrupt.abort();
    this.ca.close();
  }
}

/** Provides {@link ShutdownGrace} to both apps (global: the worker's solvers and services ask for it). */
@Global()
@Module({ providers: [ShutdownGrace], exports: [ShutdownGrace] })
export class ShutdownGraceModule {}
