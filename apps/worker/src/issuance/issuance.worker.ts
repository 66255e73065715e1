import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import {
  cappedExponentialBackoff,
  createRedisConnection,
  ISSUANCE_QUEUE,
  IssuanceJobs,
} from '@fleetcert/queue';
import { IssueCertificateService } from './issue-certificate.service';

/**
 * The BullMQ side of issuance: many orders at once in one process (they mostly wait on the
 * CA and on DNS), a lock that another worker takes over if this process dies, retries with
 * capped exponential backoff, and deferral by moving the job to the delayed set.
 */
@Injectable()
export class IssuanceWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IssuanceWorker.name);
  private worker?: Worker<IssuanceJobs['issue']>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly issuer: IssueCertificateService,
  ) {}

  onApplicationBootstrap(): void {
    const { redis, worker } = this.config;
    this.worker = new Worker<IssuanceJobs['issue']>(
      ISSUANCE_QUEUE,
      (job, token) => this.process(job, token),
      {
        connection: createRedisConnection(redis.url, 'worker', 'worker-issuance'),
        prefix: redis.prefix,
        concurrency: worker.concurrency,
        lockDuration: worker.lockMs,
        stalledInterval: worker.lockMs,
        // A job whose worker died is retried; only a job that keeps killing workers gives up.
        maxStalledCount: 10,
        settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoff(attemptsMade) },
      },
    );
    this.worker.on('error', (err) => this.logger.error({ err: err.message }, 'issuance worker error'));
    this.worker.on('failed', (job, err) =>
      this.logger.warn(
        { requestId: job?.id, attemptsMade: job?.attemptsMade, err: err.message },
        'issuance attempt failed',
      ),
    );
  }

  private async process(job: Job<IssuanceJobs['issue']>, token?: string): Promise<void> {
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.issuer.run(job.data.requestId, isLastAttempt);
    if (outcome.kind === 'defer') {
      await job.moveToDelayed(outcome.until.getTime(), token);
      throw new DelayedError();
    }
    if (outcome.kind === 'interrupted') {
      // Due at once, for whichever worker runs next; BullMQ counts no failed attempt.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Stops taking jobs and waits for those in hand: they finish, or ShutdownGrace cuts
    // them off after its grace period and they go back to the queue.
    await this.worker?.close();
  }
}
