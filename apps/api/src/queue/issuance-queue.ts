import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type DataLoader from 'dataloader';
import { batchPerTurn } from '@fleetcert/db';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { errorMessage, Metrics } from '@fleetcert/observability';
import { ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';
import { answerWithin } from '../common/answer-within';
import { REDIS } from './queue.tokens';

/** The longest a job add, an operator's read of the queue or a metrics scrape waits for Redis. */
export const QUEUE_TIMEOUT_MS = 2_000;

/** How many of the issuance queue's jobs are in each state. */
export type QueueJobCounts = {
  /** Waiting for a worker, prioritized ones included. */
  waiting: number;
  active: number;
  /** Waiting for their time (deferred requests, retries' backoff). */
  delayed: number;
  failed: number;
  completed: number;
};

/** The API's side of the issuance queue: it adds jobs, and reads how many are where. */
@Injectable()
export class IssuanceQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(IssuanceQueue.name);
  readonly queue: Queue;
  /**
   * Jobs enqueued in the same turn of the event loop go to Redis together (`addBulk`: one
   * round trip), as their requests were stored together (see `SubmissionBatches`).
   */
  private readonly adds: DataLoader<{ requestId: string; notBefore?: Date }, true>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    metrics: Metrics,
  ) {
    this.queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: config.redis.prefix });
    // A producer that loses Redis must not crash the API: the reconciler re-enqueues later.
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'issuance queue error'));
    this.adds = batchPerTurn(
      async (jobs: readonly { requestId: string; notBefore?: Date }[]) => {
        const now = Date.now();
        // One deadline for the batch's one round trip, not a timer per submission.
        await answerWithin(
          this.queue.addBulk(
            jobs.map(({ requestId, notBefore }) => ({
              name: 'issue',
              data: { requestId },
              opts: issueJobOptions(requestId, notBefore ? notBefore.getTime() - now : 0),
            })),
          ),
          QUEUE_TIMEOUT_MS,
          'issuance queue job add',
        );
        return jobs.map(() => true as const);
      },
      (size) => metrics.batchSize.observe({ kind: 'job_adds' }, size),
    );
    metrics.sampleQueueJobsWith(() => this.jobCounts());
  }

  /**
   * The queue's jobs by state, read from Redis (one round trip). Rejects with a dependency
   * outage (503) when Redis has not answered within {@link QUEUE_TIMEOUT_MS}.
   */
  async jobCounts(): Promise<QueueJobCounts> {
    const c = await this.read('job counts', () =>
      this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  /** Whether the queue is paused (waiting jobs do not start); rejects as {@link jobCounts} does. */
  isPaused(): Promise<boolean> {
    return this.read('paused flag', () => this.queue.isPaused());
  }

  /**
   * A read of the queue in Redis, bounded by {@link QUEUE_TIMEOUT_MS}: BullMQ waits for
   * its connection to be ready before it sends anything, so with Redis away it would wait
   * forever. Rejects as a dependency outage (503) instead.
   */
  async read<T>(what: string, read: () => Promise<T>): Promise<T> {
    this.assertConnected(what);
    return answerWithin(read(), QUEUE_TIMEOUT_MS, `issuance queue ${what} from Redis`);
  }

  /**
   * Enqueues a stored request. Returns false instead of throwing when Redis is away: the
   * request is already durable in Postgres and the worker's reconciler will enqueue it.
   */
  async enqueue(requestId: string, notBefore?: Date): Promise<boolean> {
    try {
      this.assertConnected('job add');
      return await this.adds.load({ requestId, notBefore });
    } catch (err) {
      this.logger.warn({ requestId, err: errorMessage(err) }, 'could not enqueue; the reconciler will');
      return false;
    }
  }

  /**
   * Refuses at once while the API's Redis connection is not ready. BullMQ would otherwise
   * hold the call until Redis is back (it waits for its connection before sending anything,
   * whatever the connection's fail-fast options), and the device's request with it.
   */
  private assertConnected(what: string): void {
    if (this.redis.status === 'ready') return;
    const err: NodeJS.ErrnoException = new Error(
      `issuance queue ${what}: Redis is not connected (${this.redis.status})`,
    );
    err.code = 'ECONNREFUSED';
    throw err;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
