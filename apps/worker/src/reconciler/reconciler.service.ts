import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly requests: CertificateRequestRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.queue = new Queue(ISSUANCE_QUEUE, {
      connection: createRedisConnection(this.config.redis.url, 'worker', 'worker-reconciler'),
      prefix: this.config.redis.prefix,
    });
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
      for (const r of page) {
        const job = await queue.getJob(r.id);
        const state = job ? await job.getState() : 'missing';
        if (state !== 'missing' && state !== 'completed' && state !== 'failed' && state !== 'unknown')
          continue;
        if (job) await job.remove();
        const delay = r.deferredUntil ? r.deferredUntil.getTime() - Date.now() : 0;
        await queue.add('issue', { requestId: r.id }, issueJobOptions(r.id, delay));
        requeued++;
      }
    }
    if (requeued > 0) this.logger.log({ requeued }, 're-enqueued unfinished requests that had no job');
    return requeued;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.queue?.close();
  }
}
