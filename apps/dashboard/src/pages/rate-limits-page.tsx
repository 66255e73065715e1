import { useState } from 'react';
import { loadRateLimits, OnboardingForecast, RateLimitBucket } from '../api/rate-limits';
import { AcmeAccountPanel } from './acme-account-panel';
import { EmptyState, ErrorNotice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { Pager } from '../components/pager';
import { TimeText } from '../components/time-text';
import { formatCount, limitTitle, plural } from '../lib/format';
import { formatDuration } from '../lib/time';
import { usePolling } from '../lib/use-polling';

/**
 * The CA's rate limits as fleetcert models them: what is left in each bucket, when the
 * next token arrives, and how many new devices the headroom allows.
 */
export function RateLimitsPage() {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const state = usePolling((signal) => loadRateLimits(cursor, signal), 5000, [cursor]);
  const data = state.data;

  return (
    <>
      <PageHeader
        title="Rate limits"
        description="Headroom left at the CA. A request that finds none is deferred until a token arrives, not failed."
        updatedAt={state.updatedAt}
      />
      <ErrorNotice error={state.error} />
      {data && (
        <>
          <section className="panel" aria-labelledby="forecast-heading">
            <h2 id="forecast-heading">Capacity for new devices</h2>
            <div className="grid grid-2 grid-flat">
              <Forecast title="Next 24 hours" forecast={data.forecast.next24h} />
              <Forecast title="Next 7 days" forecast={data.forecast.next7Days} />
            </div>
          </section>

          <section className="panel" aria-labelledby="buckets-heading">
            <h2 id="buckets-heading">Buckets</h2>
            <p className="hint">
              The account's order bucket first, then every bucket that is not full, least headroom first. A
              bucket not listed is full.
            </p>
            {data.buckets.length === 0 ? (
              <EmptyState>Every bucket is full.</EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Limit</th>
                      <th scope="col">Key</th>
                      <th scope="col">Remaining</th>
                      <th scope="col">Next token</th>
                      <th scope="col">Full again</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.buckets.map((b) => (
                      <BucketRow key={`${b.limit}/${b.key}`} bucket={b} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {(cursors.length > 0 || data.nextCursor) && (
              <Pager
                page={cursors.length + 1}
                hasPrevious={cursors.length > 0}
                hasNext={Boolean(data.nextCursor)}
                onPrevious={() => setCursors((c) => c.slice(0, -1))}
                onNext={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor!])}
              />
            )}
          </section>

          <section className="panel" aria-labelledby="limits-heading">
            <h2 id="limits-heading">Limits in force</h2>
            <p className="hint">
              Model <code>{data.model}</code> for the ACME account at{' '}
              <span className="mono">{data.account.directoryUrl}</span>.
            </p>
            {data.limits.length === 0 ? (
              <EmptyState>This model sets no limits.</EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Limit</th>
                      <th scope="col" className="num">
                        Capacity
                      </th>
                      <th scope="col">One token back every</th>
                      <th scope="col">Renewals exempt</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.limits.map((l) => (
                      <tr key={l.limit}>
                        <td>
                          {limitTitle(l.limit)}
                          <div className="mono small muted">{l.limit}</div>
                        </td>
                        <td className="num">{formatCount(l.capacity)}</td>
                        <td>{formatDuration(l.refillEverySeconds * 1000)}</td>
                        <td>{l.renewalExempt ? 'Renewals' : l.ariRenewalExempt ? 'ARI renewals' : 'No'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
      <AcmeAccountPanel />
    </>
  );
}

function BucketRow({ bucket: b }: { bucket: RateLimitBucket }) {
  return (
    <tr>
      <td>
        {limitTitle(b.limit)}
        <div className="mono small muted">{b.limit}</div>
      </td>
      <td className="mono small">{b.key}</td>
      <td>
        <Meter remaining={b.remaining} capacity={b.capacity} />
      </td>
      <td>
        {b.nextAvailableAt ? (
          <TimeText value={b.nextAvailableAt} mode="relative" />
        ) : (
          <span className="muted">full</span>
        )}
      </td>
      <td>
        <TimeText value={b.fullAt} />
      </td>
    </tr>
  );
}

function Forecast({ title, forecast }: { title: string; forecast: OnboardingForecast }) {
  return (
    <div>
      <h3 className="subheading">{title}</h3>
      {forecast.newDevices === null ? (
        <p className="big-number">No limit</p>
      ) : (
        <p className="big-number">
          {formatCount(forecast.newDevices)}
          <span className="big-number-unit"> new {forecast.newDevices === 1 ? 'device' : 'devices'}</span>
        </p>
      )}
      <p className="hint">
        {forecast.limitedBy
          ? `Set by ${limitTitle(forecast.limitedBy).toLowerCase()}. `
          : 'No modelled CA limit applies to new devices. '}
        {plural(forecast.renewalsDue, 'renewal')} due
        {forecast.renewalsSpend.newOrdersPerAccount > 0
          ? `, taking ${plural(forecast.renewalsSpend.newOrdersPerAccount, 'order token')} first.`
          : forecast.renewalsDue > 0
            ? ', exempt from these limits.'
            : '.'}
      </p>
    </div>
  );
}

function Meter({ remaining, capacity }: { remaining: number; capacity: number }) {
  const ratio = capacity > 0 ? remaining / capacity : 0;
  const tone = ratio < 0.1 ? 'bad' : ratio < 0.3 ? 'warn' : 'ok';
  return (
    <span className="meter-wrap">
      <span className="meter" role="img" aria-label={`${remaining} of ${capacity} left`}>
        <span className={`meter-fill meter-${tone}`} style={{ width: `${Math.round(ratio * 100)}%` }} />
      </span>
      <span className="small">
        {formatCount(remaining)} <span className="muted">of {formatCount(capacity)}</span>
      </span>
    </span>
  );
}
