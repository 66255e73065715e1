import { useState } from 'react';
import { api, ApiError } from '../api/client';
import type { AuditEvent, Device, DeviceCertificate, DeviceRequest, Page } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { EmptyState, ErrorNotice, Notice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { SecretField } from '../components/secret-field';
import { StatusBadge } from '../components/status-badge';
import { TimeText } from '../components/time-text';
import { formatSerial, identifiersText, plural, shortErrorType } from '../lib/format';
import { Link } from '../lib/router';
import { useSession } from '../lib/session';
import { usePolling } from '../lib/use-polling';
import { AuditTable } from './audit-table';

const OPEN = new Set(['pending', 'deferred', 'processing']);

type Action =
  { kind: 'disable' | 'enable' | 'rotate' | 'renew' } | { kind: 'revoke'; certificate: DeviceCertificate };

interface DeviceData {
  device: Device;
  certificates: Page<DeviceCertificate>;
  requests: Page<DeviceRequest>;
  activity: AuditEvent[];
}

/**
 * One device: where it is, its certificates with expiry and renewal window, every request
 * with the CA's errors, and what operators did to it. While a request is open the page
 * refreshes every two seconds, so an issuance can be watched as it happens.
 */
export function DevicePage({ id }: { id: string }) {
  const { canAct } = useSession();
  const [action, setAction] = useState<Action>();
  const [newToken, setNewToken] = useState<string>();
  const [done, setDone] = useState<string>();
  const [reason, setReason] = useState('unspecified');
  const state = usePolling<DeviceData>(
    async (signal) => {
      const [device, certificates, requests, activity] = await Promise.all([
        api.get<Device>(`/v1/admin/devices/${id}`, undefined, signal),
        api.get<Page<DeviceCertificate>>(`/v1/admin/devices/${id}/certificates`, { limit: 20 }, signal),
        api.get<Page<DeviceRequest>>(`/v1/admin/devices/${id}/requests`, { limit: 20 }, signal),
        api.get<AuditEvent[]>('/v1/admin/audit', { targetType: 'device', targetId: id, limit: 10 }, signal),
      ]);
      return { device, certificates, requests, activity };
    },
    (data) => (data?.requests.items.some((r) => OPEN.has(r.status)) ? 2000 : 5000),
    [id],
  );
  const data = state.data;

  if (!data) {
    const missing = state.error instanceof ApiError && state.error.status === 404;
    return (
      <>
        <PageHeader title="Device" />
        {missing ? (
          <Notice tone="warn">There is no device {id}.</Notice>
        ) : (
          <ErrorNotice error={state.error} />
        )}
        {state.loading && <p className="muted">Loading…</p>}
      </>
    );
  }
  const { device } = data;
  const latest = data.requests.items[0];

  const run = async (a: Action) => {
    setDone(undefined);
    switch (a.kind) {
      case 'disable':
      case 'enable':
        await api.post(`/v1/admin/devices/${id}/${a.kind}`);
        setDone(
          a.kind === 'disable' ? 'Device disabled: its token is refused from now on.' : 'Device enabled.',
        );
        break;
      case 'rotate': {
        const { token } = await api.post<{ token: string }>(`/v1/admin/devices/${id}/rotate-token`);
        setNewToken(token);
        break;
      }
      case 'renew': {
        const renewal = await api.post<{ requests: { created: boolean }[] }>(`/v1/admin/devices/${id}/renew`);
        const created = renewal.requests.filter((r) => r.created).length;
        setDone(
          created > 0
            ? `Renewal requested: ${plural(created, 'certificate request')} queued.`
            : 'A renewal of every live certificate was already under way.',
        );
        break;
      }
      case 'revoke':
        await api.post(`/v1/admin/certificates/${a.certificate.id}/revoke`, { reason });
        setDone(`Certificate ${formatSerial(a.certificate.serial)} revoked (${reason}).`);
        break;
    }
    state.refresh();
  };

  const actionButton = (label: string, a: Action, tone: 'danger' | 'plain' = 'plain') => (
    <button
      type="button"
      className={`button${tone === 'danger' ? ' button-danger-quiet' : ''}`}
      onClick={() => setAction(a)}
      disabled={!canAct}
      aria-describedby={canAct ? undefined : 'device-needs-admin'}
    >
      {label}
    </button>
  );

  return (
    <>
      <p className="breadcrumb">
        <Link to="/devices">Devices</Link> <span aria-hidden="true">/</span>
      </p>
      <PageHeader
        title={
          <>
            <span className="mono">{device.hostname}</span> <StatusBadge status={device.status} />
          </>
        }
        description={`Identifier ${device.identifier}`}
        updatedAt={state.updatedAt}
        actions={
          <>
            {device.status === 'active'
              ? actionButton('Disable', { kind: 'disable' }, 'danger')
              : actionButton('Enable', { kind: 'enable' })}
            {actionButton('Rotate token', { kind: 'rotate' })}
            {actionButton('Force renewal', { kind: 'renew' })}
            {!canAct && (
              <span id="device-needs-admin" className="hint">
                Actions need the admin role
              </span>
            )}
          </>
        }
      />
      <ErrorNotice error={state.error} title="Could not refresh." />
      {done && <Notice tone="success">{done}</Notice>}
      {newToken && (
        <section className="panel panel-highlight" aria-labelledby="new-token-heading">
          <h2 id="new-token-heading">New device token</h2>
          <p>Every older token of this device is revoked. Give this one to the device.</p>
          <SecretField label="Device token" value={newToken} />
          <button type="button" className="button" onClick={() => setNewToken(undefined)}>
            Done, token stored
          </button>
        </section>
      )}

      <div className="grid grid-2">
        <section className="panel" aria-labelledby="facts-heading">
          <h2 id="facts-heading">Device</h2>
          <dl className="facts">
            <div>
              <dt>Hostname</dt>
              <dd className="mono">{device.hostname}</dd>
            </div>
            <div>
              <dt>DNS label</dt>
              <dd className="mono">{device.label}</dd>
            </div>
            <div>
              <dt>Identifier</dt>
              <dd className="mono">{device.identifier}</dd>
            </div>
            <div>
              <dt>Labels</dt>
              <dd>
                {Object.keys(device.labels).length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  Object.entries(device.labels).map(([k, v]) => (
                    <span key={k} className="chip">
                      {k}={v}
                    </span>
                  ))
                )}
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <TimeText value={device.createdAt} />
              </dd>
            </div>
            {device.disabledAt && (
              <div>
                <dt>Disabled</dt>
                <dd>
                  <TimeText value={device.disabledAt} />
                </dd>
              </div>
            )}
          </dl>
        </section>
        <section className="panel" aria-labelledby="addresses-heading">
          <h2 id="addresses-heading">Addresses</h2>
          <dl className="facts">
            <div>
              <dt>IPv4</dt>
              <dd className="mono">
                {device.addresses.ipv4 ?? <span className="muted">none reported</span>}
              </dd>
            </div>
            <div>
              <dt>IPv6</dt>
              <dd className="mono">
                {device.addresses.ipv6 ?? <span className="muted">none reported</span>}
              </dd>
            </div>
            <div>
              <dt>Reported</dt>
              <dd>
                <TimeText value={device.addressesUpdatedAt} />
              </dd>
            </div>
          </dl>
          <p className="hint">
            The fleet zone's A / AAAA records for the hostname follow what the device reports.
          </p>
        </section>
      </div>

      <section className="panel" aria-labelledby="certificates-heading">
        <h2 id="certificates-heading">Certificates</h2>
        {data.certificates.items.length === 0 ? (
          <EmptyState>No certificate issued yet.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Serial</th>
                  <th scope="col">Names</th>
                  <th scope="col">State</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Renewal window</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.certificates.items.map((c) => (
                  <tr key={c.id}>
                    <td className="mono small">{formatSerial(c.serial)}</td>
                    <td className="mono small">{identifiersText(c.identifiers)}</td>
                    <td>
                      <StatusBadge status={c.state} />
                    </td>
                    <td>
                      <TimeText value={c.notAfter} />
                    </td>
                    <td>
                      {c.renewal && (c.state === 'valid' || c.state === 'expiring') ? (
                        <>
                          <TimeText value={c.renewal.windowStart} mode="absolute" /> –{' '}
                          <TimeText value={c.renewal.windowEnd} mode="absolute" />
                          <div className="muted small">
                            {c.renewAt ? (
                              <>
                                renews <TimeText value={c.renewAt} mode="relative" />
                              </>
                            ) : (
                              <>
                                opens <TimeText value={c.renewal.windowStart} mode="relative" />
                              </>
                            )}
                          </div>
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="actions-cell">
                      {c.state !== 'revoked' && c.state !== 'expired' && (
                        <button
                          type="button"
                          className="button button-small button-danger-quiet"
                          onClick={() => setAction({ kind: 'revoke', certificate: c })}
                          disabled={!canAct}
                          aria-label={`Revoke certificate ${c.serial}`}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="requests-heading">
        <h2 id="requests-heading">Certificate requests</h2>
        <p className="visually-hidden" aria-live="polite">
          {latest ? `Latest request is ${latest.status}` : ''}
        </p>
        {data.requests.items.length === 0 ? (
          <EmptyState>The device has not asked for a certificate yet.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="requests-table">
              <thead>
                <tr>
                  <th scope="col">Submitted</th>
                  <th scope="col">Status</th>
                  <th scope="col">Names</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {data.requests.items.map((r) => (
                  <tr key={r.id} data-request-id={r.id}>
                    <td>
                      <TimeText value={r.createdAt} />
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                      {r.isRenewal && <span className="chip">renewal</span>}
                    </td>
                    <td className="mono small">{identifiersText(r.identifiers)}</td>
                    <td className="num">{r.attempts}</td>
                    <td className="outcome">
                      {r.status === 'pending' && !r.error && (
                        <div className="muted">Queued for the worker</div>
                      )}
                      {r.status === 'processing' && <div className="muted">Being issued now</div>}
                      {r.status === 'deferred' && r.deferredUntil && (
                        <div>
                          Runs <TimeText value={r.deferredUntil} mode="relative" />
                        </div>
                      )}
                      {r.status === 'valid' && r.completedAt && (
                        <div>
                          Issued <TimeText value={r.completedAt} mode="relative" />
                        </div>
                      )}
                      {r.error && (
                        <div className={r.status === 'failed' ? 'error-text' : 'warn-text'}>
                          <span className="mono" title={r.error.type}>
                            {shortErrorType(r.error.type)}
                          </span>
                          : {r.error.detail}
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Operator activity</h2>
        {data.activity.length === 0 ? (
          <EmptyState>Nothing yet.</EmptyState>
        ) : (
          <AuditTable events={data.activity} showTarget={false} />
        )}
      </section>

      {action && (
        <ConfirmDialog
          {...confirmText(action, device, { reason, setReason })}
          onConfirm={() => run(action)}
          onClose={() => {
            setAction(undefined);
            setReason('unspecified');
          }}
        />
      )}
    </>
  );
}

const REVOCATION_REASONS = [
  ['unspecified', 'Unspecified'],
  ['keyCompromise', 'Key compromise'],
  ['superseded', 'Superseded'],
  ['cessationOfOperation', 'Cessation of operation'],
  ['affiliationChanged', 'Affiliation changed'],
  ['privilegeWithdrawn', 'Privilege withdrawn'],
] as const;

function confirmText(
  action: Action,
  device: Device,
  revocation: { reason: string; setReason: (reason: string) => void },
) {
  const name = device.hostname;
  switch (action.kind) {
    case 'disable':
      return {
        title: 'Disable this device?',
        confirmLabel: 'Disable device',
        tone: 'danger' as const,
        children: (
          <p>
            <strong className="mono">{name}</strong> will be refused from its next call on, and its open
            requests will not be issued. Its certificates stay valid until they expire or are revoked.
          </p>
        ),
      };
    case 'enable':
      return {
        title: 'Enable this device?',
        confirmLabel: 'Enable device',
        children: (
          <p>
            <strong className="mono">{name}</strong> may call the API again with its current token.
          </p>
        ),
      };
    case 'rotate':
      return {
        title: 'Rotate the device token?',
        confirmLabel: 'Rotate token',
        tone: 'danger' as const,
        children: (
          <p>
            Every token of <strong className="mono">{name}</strong> stops working at once. The new token is
            shown once, and the device needs it before its next call.
          </p>
        ),
      };
    case 'renew':
      return {
        title: 'Force a renewal?',
        confirmLabel: 'Renew now',
        children: (
          <p>
            A new certificate for <strong className="mono">{name}</strong> is ordered now, outside its renewal
            window. This counts against the CA's rate limits.
          </p>
        ),
      };
    case 'revoke':
      return {
        title: 'Revoke this certificate?',
        confirmLabel: 'Revoke certificate',
        tone: 'danger' as const,
        children: (
          <>
            <p>
              Certificate <strong className="mono">{formatSerial(action.certificate.serial)}</strong> for{' '}
              <span className="mono">{identifiersText(action.certificate.identifiers)}</span> is revoked at
              the CA. Clients that check revocation will refuse it. This cannot be undone.
            </p>
            <div className="field">
              <label htmlFor="revocation-reason">Reason</label>
              <select
                id="revocation-reason"
                className="input"
                value={revocation.reason}
                onChange={(e) => revocation.setReason(e.target.value)}
              >
                {REVOCATION_REASONS.map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
            </div>
          </>
        ),
      };
  }
}
