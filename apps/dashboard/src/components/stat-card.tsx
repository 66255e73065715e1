import type { ReactNode } from 'react';
import { formatCount } from '../lib/format';

/** One number with its name; `tone` colours it only when it is not zero. */
export function StatCard({
  label,
  value,
  hint,
  tone = 'plain',
}: {
  label: string;
  value: number | null | undefined;
  hint?: ReactNode;
  tone?: 'plain' | 'ok' | 'warn' | 'bad';
}) {
  return (
    <div className={`stat stat-${value ? tone : 'plain'}`}>
      <dt className="stat-label">{label}</dt>
      <dd className="stat-value">{formatCount(value)}</dd>
      {hint && <dd className="stat-hint">{hint}</dd>}
    </div>
  );
}
