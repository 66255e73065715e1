import { useState } from 'react';
import { api } from '../api/client';
import type { FailedJob, QueueCounts } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { EmptyState, ErrorNotice, Notice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { StatCard } from '../components/stat-card';
import { TimeText } from '../components/time-text';
import { formatCount } from '../lib/format';
import { useSession } from '../lib/session';
import { usePolling } from '../lib/use-polling';

/** The issuance queue: how much work waits where, and the jobs that gave up. */
export function QueuePage() {
  const { canAct } = useSession();
  const [retrying, setRetrying] = useState<FailedJob>();
  const [done, setDone] = useState<string>();
  const state = usePolling(
    async (signal) => {
      const [counts, failed] = await Promise.all([
        api.get<QueueCounts>('/v1/admin/queue', undefined, signal),
        api.get<{ items: FailedJob[]; total: number }>('/v1/admin/queue/failed', { limit: 50 }, signal),
      ]);
      return { counts, failed };
    },
    3000,
    [],
  );
  const data = state.data;

  return (
    <>
      <PageHeader
        title="Queue"
        description="Jobs of the issuance queue. Postgres holds the requests; the queue only carries the work."
        updatedAt={state.updatedAt}
      />
      <ErrorNotice error={state.error} />
      {done && <Notice tone="success">{done}</Notice>}
      {data && (
        <>
          {data.counts.paused && <Notice tone="warn">The queue is paused: waiting jobs do not start.</Notice>}
          <section className="panel" aria-labelledby="counts-heading">
            <h2 id="counts-heading">Jobs by state</h2>
            <dl className="stats stats-row">
              <StatCard label="Waiting" value={data.counts.waiting} hint="Ready, waiting for a worker" />
              <StatCard label="Active" value={data.counts.active} hint="Being worked on" />
              <StatCard label="Delayed" value={data.counts.delayed} hint="Backoff or rate-limit deferral" />
              <StatCard
                label="Failed"
                value={data.counts.failed}
                tone={data.counts.failed > 0 ? 'bad' : 'plain'}
                hint="Gave up after every attempt"
              />
              <StatCard label="Completed" value={data.counts.completed} hint="Finished in the last day" />
            </dl>
          </section>
          <section className="panel" aria-labelledby="failed-heading">
            <h2 id="failed-heading">Failed jobs</h2>
            {data.failed.items.length === 0 ? (
              <EmptyState>No failed jobs.</EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Request</th>
                      <th scope="col" className="num">
                        Attempts
                      </th>
                      <th scope="col">Last error</th>
                      <th scope="col">Failed</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.failed.items.map((job) => (
                      <tr key={job.id}>
                        <td className="mono small">{job.requestId}</td>
                        <td className="num">{job.attemptsMade}</td>
                        <td className="detail-text">{job.failedReason}</td>
                        <td>
                          <TimeText value={job.failedAt} mode="relative" />
                        </td>
                        <td className="actions-cell">
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setRetrying(job)}
                            disabled={!canAct}
                            aria-label={`Retry job ${job.id}`}
                          >
                            Retry
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {data.failed.total > data.failed.items.length && (
              <p className="hint">
                Showing the newest {data.failed.items.length} of {formatCount(data.failed.total)}.
              </p>
            )}
            {!canAct && <p className="hint">Retrying needs the admin role.</p>}
          </section>
        </>
      )}
      {retrying && (
        <ConfirmDialog
          title="Retry this job?"
          confirmLabel="Retry job"
          onConfirm={async () => {
            await api.post(`/v1/admin/queue/jobs/${retrying.id}/retry`);
            setDone(`Job ${retrying.id} is back in the queue.`);
            state.refresh();
          }}
          onClose={() => setRetrying(undefined)}
        >
          <p>
            The job for request <span className="mono">{retrying.requestId}</span> goes back to waiting with a
            fresh set of attempts.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
