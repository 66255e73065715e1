import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { CertificateRequestRepository } from '@fleetcert/db';
import { errorMessage } from '@fleetcert/observability';
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
        this.logger.warn({ err: errorMessage(err) }, 'reconcile pass failed; next pass will retry');
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
      const live = await this.idsWithLiveJobs(
        queue,
        page.map((r) => r.id),
      );
      const jobless = page.filter((r) => !live.has(r.id));
      await Promise.all(jobless.map((r) => this.requeue(queue, r)));
      requeued += jobless.length;
    }
    if (requeued > 0) this.logger.log({ requeued }, 're-enqueued unfinished requests that had no job');
    return requeued;
  }

  /**
   * Which of `ids` have a job still to run (waiting, delayed, prioritized or active): one
   * pipelined HMGET a job, in one round trip. A job's hash exists as long as the job does,
   * and BullMQ sets its `finishedOn` when it completes or fails for good (and clears it when
   * a finished job is sent back to wait). `getJobState` finds a waiting job with LPOS over
   * the whole wait list instead: a pass over a backlog of N waiting jobs cost Redis's one
   * thread O(N²), 5.0–5.7 s every pass for 20,000 (bench/micro/reconcile-pass.ts).
   */
  private async idsWithLiveJobs(queue: Queue, ids: string[]): Promise<Set<string>> {
    const pipeline = this.connection!.pipeline();
    for (const id of ids) pipeline.hmget(queue.toKey(id), 'name', 'finishedOn');
    const replies = (await pipeline.exec()) ?? [];
    const live = new Set<string>();
    replies.forEach(([err, reply], i) => {
      if (err) throw err;
      const [name, finishedOn] = reply as [string | null, string | null];
      if (name !== null && finishedOn === null) live.add(ids[i]);
    });
    return live;
  }

  /** Enqueues the request again, in place of a finished job or of a lost one. */
  private async requeue(queue: Queue, r: { id: string; deferredUntil: Date | null }): Promise<void> {
    // A finished job, or what is left of a lost one, keeps the request's id: adding under
    // that id would be a no-op until it is gone (removing a missing job is harmless).
    await queue.remove(r.id);
    const delay = r.deferredUntil ? r.deferredUntil.getTime() - Date.now() : 0;
    await queue.add('issue', { requestId: r.id }, issueJobOptions(r.id, delay));
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.queue?.close();
    this.connection?.disconnect();
  }
}
