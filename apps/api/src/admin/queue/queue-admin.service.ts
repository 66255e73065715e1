import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AuditRepository } from '@fleetcert/db';
import { ISSUANCE_QUEUE } from '@fleetcert/queue';
import { errorMessage } from '@fleetcert/observability';
import type { OperatorPrincipal } from '../../auth/principal';
import { IssuanceQueue } from '../../queue/issuance-queue';
import type { FailedJobPageView, FailedJobView, QueueCountsView, RetriedJobView } from './queue.dto';

/**
 * The operator's view of the issuance queue in Redis: how much work is where, which jobs
 * gave up, and a way to run a given-up job again. Postgres stays the record of the
 * requests themselves; this is only the transport's state.
 */
@Injectable()
export class QueueAdminService {
  constructor(
    private readonly issuance: IssuanceQueue,
    private readonly audit: AuditRepository,
  ) {}

  async counts(): Promise<QueueCountsView> {
    const [counts, paused] = await Promise.all([this.issuance.jobCounts(), this.issuance.isPaused()]);
    return { queue: ISSUANCE_QUEUE, ...counts, paused };
  }

  async failed(offset: number, limit: number): Promise<FailedJobPageView> {
    const queue = this.issuance.queue;
    const [jobs, total] = await this.issuance.read('failed jobs', () =>
      Promise.all([queue.getFailed(offset, offset + limit - 1), queue.getFailedCount()]),
    );
    return { items: jobs.filter(Boolean).map(toFailedJobView), total };
  }

  /**
   * Moves a failed job back to waiting with its attempts reset, so the worker runs it
   * again with the full retry budget. Only failed jobs qualify: anything else is either
   * already going to run or finished.
   */
  async retry(auth: OperatorPrincipal, id: string): Promise<RetriedJobView> {
    const job = await this.issuance.read('job', () => this.issuance.queue.getJob(id));
    if (!job) throw new NotFoundException(`No job ${id} in the issuance queue`);
    const state = await this.issuance.read("job's state", () => job.getState());
    if (state !== 'failed')
      throw new ConflictException(`Job ${id} is ${state}; only failed jobs can be retried`);
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (err) {
      // Another operator (or the reconciler) moved it between our read and the retry.
      if (/not in the failed state/i.test(errorMessage(err))) {
        throw new ConflictException(`Job ${id} is no longer failed`);
      }
      throw err;
    }
    await this.audit.create({
      actorType: 'operator',
      actorId: auth.operator.id,
      action: 'queue.job.retry',
      targetType: 'certificate-request',
      targetId: id,
      details: { queue: ISSUANCE_QUEUE, failedReason: job.failedReason ?? '' },
    });
    return { id, state: await job.getState() };
  }
}

function toFailedJobView(job: Job): FailedJobView {
  const data = job.data as { requestId?: string } | undefined;
  return {
    id: String(job.id),
    name: job.name,
    requestId: data?.requestId ?? String(job.id),
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason ?? '',
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    createdAt: new Date(job.timestamp).toISOString(),
  };
}
