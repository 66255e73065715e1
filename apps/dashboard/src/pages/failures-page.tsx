import { api } from '../api/client';
import type { FailureReport } from '../api/types';
import { EmptyState, ErrorNotice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { TimeText } from '../components/time-text';
import { formatCount, identifiersText } from '../lib/format';
import { Link, navigate, useLocation } from '../lib/router';
import { usePolling } from '../lib/use-polling';

const WINDOWS = [
  { hours: 24, label: '24 hours' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
];

/** Failed requests grouped by the error the CA gave, most frequent first, with its own words. */
export function FailuresPage() {
  const { query } = useLocation();
  const hours = Number(query.get('hours')) || 24;
  const report = usePolling(
    (signal) => api.get<FailureReport>('/v1/admin/failures', { hours, examples: 5 }, signal),
    15_000,
    [hours],
  );
  const data = report.data;

  return (
    <>
      <PageHeader
        title="Failures"
        description="Certificate requests that failed for good, grouped by error type, with the CA's detail."
        updatedAt={report.updatedAt}
        actions={
          <div className="segmented" role="group" aria-label="Time window">
            {WINDOWS.map((w) => (
              <button
                key={w.hours}
                type="button"
                className="segmented-item"
                aria-pressed={hours === w.hours}
                onClick={() => navigate(w.hours === 24 ? '/failures' : `/failures?hours=${w.hours}`)}
              >
                {w.label}
              </button>
            ))}
          </div>
        }
      />
      <ErrorNotice error={report.error} />
      {data && (
        <>
          <p className="summary">
            <strong>{formatCount(data.total)}</strong> failed requests since <TimeText value={data.since} />.
          </p>
          {data.groups.length === 0 && <EmptyState>No failures in this window.</EmptyState>}
          {data.groups.map((g) => (
            <section key={g.type} className="panel" aria-labelledby={`group-${g.title}`}>
              <div className="panel-title-row">
                <h2 id={`group-${g.title}`}>
                  {g.title} <span className="count">× {formatCount(g.count)}</span>
                </h2>
                <span className="muted small">
                  last <TimeText value={g.lastFailedAt} mode="relative" />
                </span>
              </div>
              <p className="mono small muted">{g.type}</p>
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Device</th>
                      <th scope="col">Names</th>
                      <th scope="col">What the CA said</th>
                      <th scope="col">Failed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.examples.map((e) => (
                      <tr key={e.requestId}>
                        <td>
                          <Link to={`/devices/${e.deviceId}`} className="mono">
                            {e.hostname}
                          </Link>
                        </td>
                        <td className="mono small">{identifiersText(e.identifiers)}</td>
                        <td className="detail-text">{e.detail}</td>
                        <td>
                          <TimeText value={e.failedAt} mode="relative" />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {g.count > g.examples.length && (
                <p className="hint">
                  The latest {g.examples.length} of {formatCount(g.count)}; the admin API lists more (
                  <code>GET /v1/admin/failures?type=…&amp;examples=100</code>).
                </p>
              )}
            </section>
          ))}
        </>
      )}
    </>
  );
}
