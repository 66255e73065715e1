import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type DataLoader from 'dataloader';
import { batchPerTurn } from '@fleetcert/db';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { Metrics } from '@fleetcert/observability';
import { ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';
import { REDIS } from './queue.tokens';

/** The API's side of the issuance queue: it only adds jobs. */
@Injectable()
export class IssuanceQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(IssuanceQueue.name);
  readonly queue: Queue;
  /**
   * Jobs enqueued in the same turn of the event loop go to Redis together (`addBulk`: one
   * round trip), as their requests were stored together (see `SubmissionBatches`).
   */
  private readonly adds: DataLoader<{ requestId: string; notBefore?: Date }, true>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(REDIS) redis: Redis, metrics: Metrics) {
    this.queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: config.redis.prefix });
    // A producer that loses Redis must not crash the API: the reconciler re-enqueues later.
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'issuance queue error'));
    this.adds = batchPerTurn(
      async (jobs: readonly { requestId: string; notBefore?: Date }[]) => {
        const now = Date.now();
        await this.queue.addBulk(
          jobs.map(({ requestId, notBefore }) => ({
            name: 'issue',
            data: { requestId },
            opts: issueJobOptions(requestId, notBefore ? notBefore.getTime() - now : 0),
          })),
        );
        return jobs.map(() => true as const);
      },
      (size) => metrics.batchSize.observe({ kind: 'job_adds' }, size),
    );
  }

  /**
   * Enqueues a stored request. Returns false instead of throwing when Redis is away: the
   * request is already durable in Postgres and the worker's reconciler will enqueue it.
   */
  async enqueue(requestId: string, notBefore?: Date): Promise<boolean> {
    try {
      return await this.adds.load({ requestId, notBefore });
    } catch (err) {
      this.logger.warn({ requestId, err: (err as Error).message }, 'could not enqueue; the reconciler will');
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
