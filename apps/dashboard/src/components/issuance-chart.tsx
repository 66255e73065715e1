import { useId, useState } from 'react';
import type { IssuanceSeries } from '../api/types';
import { formatCount, plural } from '../lib/format';
import { formatBucket, formatDateTime } from '../lib/time';

const WIDTH = 960;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

/**
 * Certificates issued (and requests failed) per bucket up to now, live certificates
 * expiring per bucket after it: one axis of time, "now" marked. The same numbers are
 * available as a table for screen readers and for reading exact values.
 */
export function IssuanceChart({ series }: { series: IssuanceSeries }) {
  const [asTable, setAsTable] = useState(false);
  const titleId = useId();
  const points = series.points;
  const currentIndex = points.findIndex((p) => p.start === series.current);
  const max = Math.max(1, ...points.map((p) => Math.max(p.issued + p.failed, p.expiring)));
  const top = niceCeiling(max);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, points.length);
  const bar = Math.max(2, slot * 0.7);
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const labelEvery = Math.max(1, Math.ceil(points.length / 10));
  const totals = points.reduce(
    (t, p, i) => ({
      issued: t.issued + (i <= currentIndex ? p.issued : 0),
      failed: t.failed + (i <= currentIndex ? p.failed : 0),
      expiring: t.expiring + (i >= currentIndex ? p.expiring : 0),
    }),
    { issued: 0, failed: 0, expiring: 0 },
  );
  const summary =
    `${plural(totals.issued, 'certificate')} issued and ${plural(totals.failed, 'request')} failed ` +
    `in the past ${pastSpan(series)}; ${plural(totals.expiring, 'certificate')} ${totals.expiring === 1 ? 'expires' : 'expire'} ` +
    `in the next ${futureSpan(series)}.`;
  const nowX = PAD.left + (currentIndex + elapsedFraction(points, currentIndex)) * slot;

  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption id={titleId} className="chart-caption">
        <span>{summary}</span>
        <button
          type="button"
          className="link-button"
          onClick={() => setAsTable((t) => !t)}
          aria-pressed={asTable}
        >
          {asTable ? 'Show chart' : 'Show as table'}
        </button>
      </figcaption>
      {asTable ? (
        <div className="table-wrap chart-table">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{series.bucket === 'day' ? 'Day' : 'Hour'} starting</th>
                <th scope="col" className="num">
                  Issued
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col" className="num">
                  Expiring
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p, i) => (
                <tr key={i} aria-current={p.start === series.current ? 'true' : undefined}>
                  <td>{formatDateTime(p.start)}</td>
                  <td className="num">{formatCount(p.issued)}</td>
                  <td className="num">{formatCount(p.failed)}</td>
                  <td className="num">{formatCount(p.expiring)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart-svg" role="img" aria-label={summary}>
          {[0, 0.5, 1].map((f) => (
            <g key={f}>
              <line
                x1={PAD.left}
                x2={WIDTH - PAD.right}
                y1={y(top * f)}
                y2={y(top * f)}
                className="chart-grid"
              />
              <text x={PAD.left - 8} y={y(top * f) + 4} className="chart-axis" textAnchor="end">
                {formatCount(Math.round(top * f))}
              </text>
            </g>
          ))}
          {/* Keys are positions: in the hour view a skipped DST hour repeats a start instant. */}
          {points.map((p, i) => {
            const x = PAD.left + i * slot + (slot - bar) / 2;
            const past = i <= currentIndex;
            const future = i >= currentIndex;
            return (
              <g key={i}>
                <title>
                  {`${formatDateTime(p.start)}: ${p.issued} issued, ${p.failed} failed, ${p.expiring} expiring`}
                </title>
                {past && p.issued > 0 && (
                  <rect
                    x={x}
                    width={bar}
                    y={y(p.issued)}
                    height={y(0) - y(p.issued)}
                    className="chart-issued"
                  />
                )}
                {past && p.failed > 0 && (
                  <rect
                    x={x}
                    width={bar}
                    y={y(p.issued + p.failed)}
                    height={y(p.issued) - y(p.issued + p.failed)}
                    className="chart-failed"
                  />
                )}
                {future && p.expiring > 0 && (
                  <rect
                    x={i === currentIndex ? x + bar / 2 : x}
                    width={i === currentIndex ? bar / 2 : bar}
                    y={y(p.expiring)}
                    height={y(0) - y(p.expiring)}
                    className="chart-expiring"
                  />
                )}
                {i % labelEvery === 0 && (
                  <text x={x + bar / 2} y={HEIGHT - 8} className="chart-axis" textAnchor="middle">
                    {formatBucket(p.start, series.bucket)}
                  </text>
                )}
              </g>
            );
          })}
          {currentIndex >= 0 && (
            <g>
              <line x1={nowX} x2={nowX} y1={PAD.top} y2={y(0)} className="chart-now" />
              <text x={nowX + 4} y={PAD.top + 10} className="chart-axis">
                now
              </text>
            </g>
          )}
        </svg>
      )}
      <ul className="legend" aria-hidden={asTable}>
        <li>
          <span className="swatch chart-issued" /> Issued
        </li>
        <li>
          <span className="swatch chart-failed" /> Failed
        </li>
        <li>
          <span className="swatch chart-expiring" /> Expiring
        </li>
      </ul>
    </figure>
  );
}

/** How far into the current bucket now is (0–1), so the "now" line stands where now is. */
function elapsedFraction(points: IssuanceSeries['points'], current: number): number {
  const start = new Date(points[current]?.start ?? 0).getTime();
  const end = points[current + 1] ? new Date(points[current + 1].start).getTime() : start;
  if (end <= start) return 0.5;
  return Math.min(1, Math.max(0, (Date.now() - start) / (end - start)));
}

/** 2, 4, 10, 20, 50 … at or above `n` (even, so the middle gridline is a whole number). */
function niceCeiling(n: number): number {
  if (n <= 2) return 2;
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}

function pastSpan(s: IssuanceSeries): string {
  const n = s.points.findIndex((p) => p.start === s.current) + 1;
  return `${n} ${s.bucket}${n === 1 ? '' : 's'}`;
}

function futureSpan(s: IssuanceSeries): string {
  const n = s.points.length - s.points.findIndex((p) => p.start === s.current) - 1;
  return `${n} ${s.bucket}${n === 1 ? '' : 's'}`;
}
