import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { RateLimitRepository } from '@fleetcert/db';
import { errorMessage } from '@fleetcert/observability';
import {
  createRedisConnection,
  ISSUANCE_QUEUE,
  issueJobOptions,
  RENEWAL_QUEUE,
  RENEWAL_SCHEDULER_ID,
  RenewalJobs,
} from '@fleetcert/queue';
import { IssuanceEnqueuer, RenewalService } from './renewal.service';

/**
 * Runs {@link RenewalService.runPass} as a BullMQ job scheduler: every worker upserts the
 * same scheduler (one id), BullMQ adds one `scan` job per interval and exactly one worker
 * runs it — several workers never run a pass at the same time. Should Redis lose the
 * scheduler, each worker puts it back within a reconcile interval.
 */
@Injectable()
export class RenewalScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RenewalScheduler.name);
  private queue?: Queue<RenewalJobs['scan']>;
  private issuance?: Queue;
  private worker?: Worker<RenewalJobs['scan']>;
  private timer?: NodeJS.Timeout;
  /** Connections handed to BullMQ, which does not close connections it was given. */
  private readonly connections: ReturnType<typeof createRedisConnection>[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly renewals: RenewalService,
    private readonly buckets: RateLimitRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { redis, renewal } = this.config;
    const connect = (name: string) => {
      const connection = createRedisConnection(redis.url, 'worker', name);
      this.connections.push(connection);
      return connection;
    };
    this.queue = new Queue(RENEWAL_QUEUE, {
      connection: connect('worker-renewal-producer'),
      prefix: redis.prefix,
    });
    this.issuance = new Queue(ISSUANCE_QUEUE, {
      connection: connect('worker-renewal-issuance'),
      prefix: redis.prefix,
    });
    for (const q of [this.queue, this.issuance]) {
      q.on('error', (err) => this.logger.warn({ err: err.message }, 'renewal queue error'));
    }
    const enqueuer: IssuanceEnqueuer = {
      enqueue: async (requestId) => {
        await this.issuance!.add('issue', { requestId }, issueJobOptions(requestId));
      },
    };
    this.worker = new Worker<RenewalJobs['scan']>(
      RENEWAL_QUEUE,
      async () => {
        await this.renewals.runPass(enqueuer);
        await this.buckets.deleteFull();
      },
      {
        connection: connect('worker-renewal'),
        prefix: redis.prefix,
        concurrency: 1,
        lockDuration: Math.max(30_000, renewal.intervalMs),
      },
    );
    this.worker.on('error', (err) => this.logger.error({ err: err.message }, 'renewal worker error'));
    this.worker.on('failed', (_job, err) => this.logger.warn({ err: err.message }, 'renewal pass failed'));
    await this.ensureScheduler().catch((err) =>
      this.logger.warn({ err: errorMessage(err) }, 'could not schedule renewal passes yet'),
    );
    this.timer = setInterval(
      () => void this.ensureScheduler().catch(() => undefined),
      this.config.worker.reconcileIntervalMs,
    );
  }

  /**
   * Adds the job scheduler when it is missing (first boot, Redis lost its data) or runs at
   * another interval than configured; otherwise leaves it alone, so that workers starting
   * or checking never postpone the next pass.
   */
  async ensureScheduler(): Promise<void> {
    const existing = await this.queue!.getJobScheduler(RENEWAL_SCHEDULER_ID);
    if (existing && Number(existing.every) === this.config.renewal.intervalMs) return;
    await this.queue!.upsertJobScheduler(
      RENEWAL_SCHEDULER_ID,
      { every: this.config.renewal.intervalMs },
      { name: 'scan', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.worker?.close();
    await this.queue?.close();
    await this.issuance?.close();
    for (const connection of this.connections) connection.disconnect();
  }
}
