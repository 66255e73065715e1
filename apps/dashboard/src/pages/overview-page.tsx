import { useState } from 'react';
import { api } from '../api/client';
import { loadFleetStatus } from '../api/fleet-status';
import type { OnboardingForecast } from '../api/rate-limits';
import type { IssuanceSeries, QueueCounts } from '../api/types';
import { IssuanceChart } from '../components/issuance-chart';
import { EmptyState, ErrorNotice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { StatCard } from '../components/stat-card';
import { formatCount, plural, shortErrorType } from '../lib/format';
import { Link } from '../lib/router';
import { viewerTimeZone } from '../lib/time';
import { usePolling } from '../lib/use-polling';

const RANGES = {
  day: { bucket: 'day', past: 29, future: 30, label: '30 days' },
  hour: { bucket: 'hour', past: 47, future: 48, label: '48 hours' },
} as const;

/** The fleet at a glance; refreshes itself every few seconds while open. */
export function OverviewPage() {
  const [range, setRange] = useState<keyof typeof RANGES>('day');
  const overview = usePolling(
    async (signal) => {
      const r = RANGES[range];
      const [status, series, queue] = await Promise.all([
        loadFleetStatus(signal),
        api.get<IssuanceSeries>(
          '/v1/admin/stats/issuance',
          { bucket: r.bucket, past: r.past, future: r.future, timeZone: viewerTimeZone() },
          signal,
        ),
        api.get<QueueCounts>('/v1/admin/queue', undefined, signal),
      ]);
      return { status, series, queue };
    },
    5000,
    [range],
  );
  const data = overview.data;

  return (
    <>
      <PageHeader
        title="Overview"
        description="Devices, certificates and requests across the fleet, updated live."
        updatedAt={overview.updatedAt}
      />
      <ErrorNotice error={overview.error} title="Could not refresh." />
      {!data ? (
        overview.loading && <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="grid grid-3">
            <section className="panel" aria-labelledby="devices-heading">
              <h2 id="devices-heading">Devices</h2>
              <dl className="stats">
                <StatCard label="Active" value={data.status.devices.active} />
                <StatCard label="Disabled" value={data.status.devices.disabled} />
              </dl>
              <p className="panel-foot">
                <Link to="/devices">All devices ({formatCount(data.status.devices.total)}) →</Link>
              </p>
            </section>
            <section className="panel" aria-labelledby="certs-heading">
              <h2 id="certs-heading">Certificates</h2>
              <dl className="stats">
                <StatCard label="Valid" value={data.status.certificates.valid} tone="ok" />
                <StatCard label="Expiring in 7 days" value={data.status.certificates.expiring} tone="warn" />
                <StatCard label="Expired" value={data.status.certificates.expired} tone="bad" />
              </dl>
              <p className="panel-foot">
                Renewals due: {formatCount(data.status.renewals.dueWithin24h)} within 24 hours,{' '}
                {formatCount(data.status.renewals.dueWithin7Days)} within 7 days.
              </p>
            </section>
            <section className="panel" aria-labelledby="failures-heading">
              <h2 id="failures-heading">Failures, last 24 hours</h2>
              <dl className="stats">
                <StatCard label="Failed requests" value={data.status.failures.last24h} tone="bad" />
              </dl>
              {data.status.failures.byType.length > 0 ? (
                <ul className="compact-list">
                  {data.status.failures.byType.slice(0, 3).map((g) => (
                    <li key={g.type ?? 'unknown'}>
                      <span className="mono" title={g.type ?? undefined}>
                        {g.type ? shortErrorType(g.type) : 'unknown'}
                      </span>
                      <span className="muted"> × {formatCount(g.count)}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <EmptyState>No failures.</EmptyState>
              )}
              <p className="panel-foot">
                <Link to="/failures">Failures by error type →</Link>
              </p>
            </section>
          </div>

          <section className="panel" aria-labelledby="requests-heading">
            <h2 id="requests-heading">Certificate requests by status</h2>
            <dl className="stats stats-row">
              <StatCard label="Pending" value={data.status.requests.pending} />
              <StatCard label="Processing" value={data.status.requests.processing} />
              <StatCard
                label="Deferred"
                value={data.status.requests.deferred}
                tone="warn"
                hint="Waiting for CA rate-limit headroom"
              />
              <StatCard label="Valid" value={data.status.requests.valid} tone="ok" />
              <StatCard label="Failed" value={data.status.requests.failed} />
            </dl>
            <p className="panel-foot">
              {capacityText(data.status.capacity.next24h)} · <Link to="/rate-limits">Rate limits →</Link>
            </p>
            <p className="panel-foot">
              Queue: {formatCount(data.queue.waiting)} waiting, {formatCount(data.queue.active)} active,{' '}
              {formatCount(data.queue.delayed)} delayed, {formatCount(data.queue.failed)} failed ·{' '}
              <Link to="/queue">Queue →</Link>
            </p>
          </section>

          <section className="panel" aria-labelledby="chart-heading">
            <div className="panel-title-row">
              <h2 id="chart-heading">Issuance and upcoming expiries</h2>
              <div className="segmented" role="group" aria-label="Time range">
                {(Object.keys(RANGES) as (keyof typeof RANGES)[]).map((key) => (
                  <button
                    key={key}
                    type="button"
                    className="segmented-item"
                    aria-pressed={range === key}
                    onClick={() => setRange(key)}
                  >
                    {RANGES[key].label} each way
                  </button>
                ))}
              </div>
            </div>
            <IssuanceChart series={data.series} />
          </section>
        </>
      )}
    </>
  );
}

function capacityText(f: OnboardingForecast): string {
  if (f.newDevices === null) return 'No CA rate limit bounds new devices in the next 24 hours';
  return `Room for ${plural(f.newDevices, 'new device')} in the next 24 hours at the CA's rate limits`;
}
