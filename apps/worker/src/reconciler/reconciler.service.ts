import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { CertificateRequestRepository } from '@fleetcert/db';
import { createRedisConnection, ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';

const PAGE = 500;

/**
 * Postgres is the record, Redis only carries work: this loop re-enqueues every unfinished
 * request that has no live job (Redis flushed, restarted without persistence, or the API
 * could not reach it). It deliberately runs on a timer in each worker rather than as a
 * BullMQ repeatable job, because it must work precisely when Redis has lost its state;
 * several workers running it at once is harmless, since a job's id is its request id.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private queue?: Queue;
  /** Ours to close: BullMQ leaves a connection it was given open. */
  private connection?: Redis;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly requests: CertificateRequestRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedisConnection(this.config.redis.url, 'worker', 'worker-reconciler');
    this.queue = new Queue(ISSUANCE_QUEUE, { connection: this.connection, prefix: this.config.redis.prefix });
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'reconciler queue error'));
    const tick = () => {
      this.running = this.reconcile().catch((err) => {
        this.logger.warn({ err: (err as Error).message }, 'reconcile pass failed; next pass will retry');
        return 0;
      });
    };
    tick();
    this.timer = setInterval(tick, this.config.worker.reconcileIntervalMs);
  }

  /** One pass over unfinished requests; returns how many it re-enqueued. */
  async reconcile(): Promise<number> {
    const queue = this.queue!;
    // Leave requests alone that the API has only just stored: it is enqueueing them itself.
    const before = new Date(Date.now() - Math.min(5_000, this.config.worker.reconcileIntervalMs));
    let requeued = 0;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.requests.listOpenIdsUpdatedBefore(before, PAGE, afterId);
      if (page.length === 0) break;
      afterId = page[page.length - 1].id;
      // A page's lookups go out together. Fetching each job and then its state, one request
      // after another, cost a pass over 5,000 open (e.g. deferred) requests 1.4 s and 1.2 s
      // of CPU; this way 0.34 s and 0.33 s (bench/micro/reconcile-pass.ts).
      const outcomes = await Promise.all(page.map((r) => this.requeueIfJobless(queue, r)));
      requeued += outcomes.filter(Boolean).length;
    }
    if (requeued > 0) this.logger.log({ requeued }, 're-enqueued unfinished requests that had no job');
    return requeued;
  }

  /**
   * Enqueues the request again unless a job of its id is waiting, delayed or running. Only
   * the job's state is read (one script), not the job itself: its data and options are
   * not needed to decide.
   */
  private async requeueIfJobless(
    queue: Queue,
    r: { id: string; deferredUntil: Date | null },
  ): Promise<boolean> {
    const state = await queue.getJobState(r.id);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    // A finished job, or what is left of a lost one, keeps the request's id: adding under
    // that id would be a no-op until it is gone (removing a missing job is harmless).
    await queue.remove(r.id);
    const delay = r.deferredUntil ? r.deferredUntil.getTime() - Date.now() : 0;
    await queue.add('issue', { requestId: r.id }, issueJobOptions(r.id, delay));
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.queue?.close();
    this.connection?.disconnect();
  }
}
