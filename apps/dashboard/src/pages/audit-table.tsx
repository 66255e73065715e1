import type { AuditEvent } from '../api/types';
import { TimeText } from '../components/time-text';
import { Link } from '../lib/router';

/** Who did what, when: one row per audit event. */
export function AuditTable({ events, showTarget = true }: { events: AuditEvent[]; showTarget?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            {showTarget && <th scope="col">Target</th>}
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>
                <TimeText value={e.createdAt} />
              </td>
              <td>{actor(e)}</td>
              <td className="mono">{e.action}</td>
              {showTarget && <td>{target(e)}</td>}
              <td className="mono small details">{details(e.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function actor(e: AuditEvent) {
  if (e.actorType === 'operator') return e.actorName ?? <span className="mono small">{e.actorId}</span>;
  return (
    <span className="muted">
      {e.actorType}
      {e.actorId ? ` (${e.actorId})` : ''}
    </span>
  );
}

function target(e: AuditEvent) {
  if (!e.targetType) return <span className="muted">—</span>;
  const deviceId = typeof e.details?.deviceId === 'string' ? e.details.deviceId : undefined;
  if (e.targetType !== 'device' && deviceId) {
    return (
      <Link to={`/devices/${deviceId}`} className="small">
        {e.targetType} of device {deviceId.slice(0, 8)}…
      </Link>
    );
  }
  if (e.targetType === 'device' && e.targetId) {
    return (
      <Link to={`/devices/${e.targetId}`} className="small">
        device {e.targetId.slice(0, 8)}…
      </Link>
    );
  }
  return (
    <span className="small">
      {e.targetType} <span className="mono">{e.targetId ? `${e.targetId.slice(0, 8)}…` : ''}</span>
    </span>
  );
}

function details(d: Record<string, unknown>): string {
  const entries = Object.entries(d ?? {});
  if (entries.length === 0) return '';
  return entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}
