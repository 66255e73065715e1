import { useNow } from '../lib/clock';
import { formatDateTime, formatDateTimeLong, relativeTime } from '../lib/time';

/**
 * An instant in the viewer's time zone with a relative hint: "21 Nov 2026, 14:05 · in 3 days".
 * The full form (with seconds and the zone) is in the tooltip and the `datetime` attribute.
 */
export function TimeText({
  value,
  mode = 'both',
}: {
  value: string | null;
  mode?: 'both' | 'relative' | 'absolute';
}) {
  const now = useNow();
  if (!value) return <span className="muted">—</span>;
  const absolute = formatDateTime(value);
  const relative = relativeTime(value, now);
  return (
    <time dateTime={value} title={formatDateTimeLong(value)} className="time">
      {mode === 'relative' ? relative : absolute}
      {mode === 'both' && <span className="time-relative"> · {relative}</span>}
    </time>
  );
}
