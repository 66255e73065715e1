import { FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { Device, Page } from '../api/types';
import { EmptyState, ErrorNotice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { Pager } from '../components/pager';
import { StatusBadge } from '../components/status-badge';
import { TimeText } from '../components/time-text';
import { Link, navigate, useLocation } from '../lib/router';
import { useSession } from '../lib/session';
import { usePolling } from '../lib/use-polling';
import { CreateDeviceDialog } from './create-device-dialog';

const PAGE_SIZE = 25;

/**
 * Every device, newest first: search by hostname, label, identifier or address prefix,
 * filter by status or label, page through with cursors (fast at any depth). The search
 * lives in the URL, so it survives a reload and can be shared.
 */
export function DevicesPage() {
  const { query } = useLocation();
  const { canAct } = useSession();
  const q = query.get('q') ?? '';
  const status = query.get('status') ?? '';
  const label = query.get('label') ?? '';
  const [cursors, setCursors] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState({ q, status, label });
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setDraft({ q, status, label });
    setCursors([]);
  }, [q, status, label]);

  // "/" jumps to the search box, as in most consoles.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== '/' || /INPUT|TEXTAREA|SELECT/.test(target.tagName) || target.isContentEditable)
        return;
      event.preventDefault();
      search.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const cursor = cursors[cursors.length - 1];
  const list = usePolling(
    (signal) =>
      api.get<Page<Device>>(
        '/v1/admin/devices',
        { limit: PAGE_SIZE, q, status, label: label || undefined, cursor },
        signal,
      ),
    15_000,
    [q, status, label, cursor],
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (draft.q.trim()) params.set('q', draft.q.trim());
    if (draft.status) params.set('status', draft.status);
    if (draft.label.trim()) params.set('label', draft.label.trim());
    const qs = params.toString();
    navigate(qs ? `/devices?${qs}` : '/devices');
  };

  return (
    <>
      <PageHeader
        title="Devices"
        description="Search by hostname, DNS label, identifier or address (prefix match)."
        updatedAt={list.updatedAt}
        actions={
          <span className="action-with-hint">
            <button
              type="button"
              className="button button-primary"
              onClick={() => setCreating(true)}
              disabled={!canAct}
              aria-describedby={canAct ? undefined : 'create-needs-admin'}
            >
              Create device
            </button>
            {!canAct && (
              <span id="create-needs-admin" className="hint">
                Needs the admin role
              </span>
            )}
          </span>
        }
      />
      <form className="filters" onSubmit={apply} role="search" aria-label="Devices">
        <div className="field field-grow">
          <label htmlFor="device-search">Search</label>
          <input
            id="device-search"
            ref={search}
            type="search"
            className="input"
            placeholder="x7k2… · SN-0001 · 192.168.1.… (press / to focus)"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="device-status">Status</label>
          <select
            id="device-status"
            className="input"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.target.value })}
          >
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="device-label-filter">Label</label>
          <input
            id="device-label-filter"
            className="input mono"
            placeholder="site=berlin"
            value={draft.label}
            onChange={(e) => setDraft({ ...draft, label: e.target.value })}
          />
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      <ErrorNotice error={list.error} />
      {list.data && (
        <>
          {list.data.items.length === 0 ? (
            <EmptyState>
              {q || status || label ? 'No device matches.' : 'No devices yet. Create the first one.'}
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Devices, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Hostname</th>
                    <th scope="col">Identifier</th>
                    <th scope="col">Status</th>
                    <th scope="col">Addresses</th>
                    <th scope="col">Labels</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <Link to={`/devices/${d.id}`} className="mono">
                          {d.hostname}
                        </Link>
                      </td>
                      <td className="mono">{d.identifier}</td>
                      <td>
                        <StatusBadge status={d.status} />
                      </td>
                      <td className="mono small">
                        {[d.addresses.ipv4, d.addresses.ipv6].filter(Boolean).join(' · ') || (
                          <span className="muted">none reported</span>
                        )}
                      </td>
                      <td>
                        {Object.entries(d.labels).map(([k, v]) => (
                          <span key={k} className="chip">
                            {k}={v}
                          </span>
                        ))}
                      </td>
                      <td>
                        <TimeText value={d.createdAt} mode="relative" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager
            page={cursors.length + 1}
            hasPrevious={cursors.length > 0}
            hasNext={list.data.nextCursor !== null}
            onPrevious={() => setCursors((c) => c.slice(0, -1))}
            onNext={() => list.data?.nextCursor && setCursors((c) => [...c, list.data!.nextCursor!])}
          />
        </>
      )}
      {creating && <CreateDeviceDialog onClose={() => setCreating(false)} onCreated={list.refresh} />}
    </>
  );
}
