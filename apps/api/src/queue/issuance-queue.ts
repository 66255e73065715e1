import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';
import { REDIS } from './queue.tokens';

/** The API's side of the issuance queue: it only adds jobs. */
@Injectable()
export class IssuanceQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(IssuanceQueue.name);
  readonly queue: Queue;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(REDIS) redis: Redis) {
    this.queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: config.redis.prefix });
    // A producer that loses Redis must not crash the API: the reconciler re-enqueues later.
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'issuance queue error'));
  }

  /**
   * Enqueues a stored request. Returns false instead of throwing when Redis is away: the
   * request is already durable in Postgres and the worker's reconciler will enqueue it.
   */
  async enqueue(requestId: string, notBefore?: Date): Promise<boolean> {
    try {
      const delay = notBefore ? notBefore.getTime() - Date.now() : 0;
      await this.queue.add('issue', { requestId }, issueJobOptions(requestId, delay));
      return true;
    } catch (err) {
      this.logger.warn({ requestId, err: (err as Error).message }, 'could not enqueue; the reconciler will');
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
