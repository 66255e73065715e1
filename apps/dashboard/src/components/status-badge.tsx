type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const TONES: Record<string, Tone> = {
  active: 'ok',
  valid: 'ok',
  disabled: 'muted',
  pending: 'info',
  processing: 'info',
  deferred: 'warn',
  expiring: 'warn',
  failed: 'bad',
  expired: 'bad',
  revoked: 'bad',
  superseded: 'muted',
  admin: 'info',
  viewer: 'muted',
};

/** A status word with a colour that repeats, never replaces, the word. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'muted';
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {label ?? status}
    </span>
  );
}
