/**
 * Times as operators read them: in the viewer's own time zone, with a relative hint
 * ("in 3 days", "5 minutes ago"). Pure functions of their inputs, so they are tested
 * without a browser.
 */

export interface TimeFormatOptions {
  /** BCP 47 locale; the browser's by default. */
  locale?: string;
  /** IANA time zone; the browser's by default. */
  timeZone?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "21 Nov 2026, 14:05" in the viewer's zone (or the given one). */
export function formatDateTime(iso: string | Date, opts: TimeFormatOptions = {}): string {
  return new Intl.DateTimeFormat(opts.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: opts.timeZone,
  }).format(toDate(iso));
}

/** The full form for tooltips: with seconds and the zone's name. */
export function formatDateTimeLong(iso: string | Date, opts: TimeFormatOptions = {}): string {
  return new Intl.DateTimeFormat(opts.locale, {
    dateStyle: 'full',
    timeStyle: 'long',
    timeZone: opts.timeZone,
  }).format(toDate(iso));
}

/** A chart label: "21 Nov" for days, "14:00" for hours. */
export function formatBucket(iso: string, bucket: 'day' | 'hour', opts: TimeFormatOptions = {}): string {
  const format: Intl.DateTimeFormatOptions =
    bucket === 'day' ? { day: 'numeric', month: 'short' } : { hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(opts.locale, { ...format, timeZone: opts.timeZone }).format(toDate(iso));
}

/**
 * "in 3 days", "5 minutes ago", "now": the largest unit that fits, rounded, so that a
 * certificate ending in 2 days 20 hours reads "in 3 days".
 */
export function relativeTime(
  iso: string | Date,
  now: Date = new Date(),
  opts: TimeFormatOptions = {},
): string {
  const diff = toDate(iso).getTime() - now.getTime();
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(opts.locale, { numeric: 'auto' });
  if (abs < 45_000) return rtf.format(0, 'second');
  const [value, unit] = pickUnit(abs);
  return rtf.format(Math.sign(diff) * value, unit);
}

function pickUnit(abs: number): [number, Intl.RelativeTimeFormatUnit] {
  if (abs < 45 * MINUTE) return [Math.max(1, Math.round(abs / MINUTE)), 'minute'];
  if (abs < 22 * HOUR) return [Math.round(abs / HOUR), 'hour'];
  if (abs < 26 * DAY) return [Math.round(abs / DAY), 'day'];
  if (abs < 320 * DAY) return [Math.round(abs / (30 * DAY)), 'month'];
  return [Math.round(abs / (365 * DAY)), 'year'];
}

/** The viewer's IANA time zone, e.g. "Europe/Berlin". */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A short duration: "3 min", "2 h 5 min", "34 h", "4 days". */
export function formatDuration(ms: number): string {
  if (ms < MINUTE) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < 10 * HOUR) {
    const h = Math.floor(ms / HOUR);
    const m = Math.round((ms - h * HOUR) / MINUTE);
    return m > 0 ? `${h} h ${m} min` : `${h} h`;
  }
  if (ms < 2 * DAY) return `${Math.round(ms / HOUR)} h`;
  const days = Math.round(ms / DAY);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}
