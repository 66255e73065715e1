import { useState } from 'react';
import { api } from '../api/client';
import type { AuditEvent } from '../api/types';
import { EmptyState, ErrorNotice } from '../components/notice';
import { PageHeader } from '../components/page-header';
import { usePolling } from '../lib/use-polling';
import { AuditTable } from './audit-table';

const PAGE_SIZE = 50;

/** Every admin action, newest first: who, what, when. */
export function AuditPage() {
  const [before, setBefore] = useState<string[]>([]);
  const cursor = before[before.length - 1];
  const state = usePolling(
    (signal) => api.get<AuditEvent[]>('/v1/admin/audit', { limit: PAGE_SIZE, before: cursor }, signal),
    cursor ? 60_000 : 10_000,
    [cursor],
  );
  const events = state.data;

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every action taken through the admin API or this dashboard, newest first."
        updatedAt={state.updatedAt}
      />
      <ErrorNotice error={state.error} />
      {events &&
        (events.length === 0 ? (
          <EmptyState>No events.</EmptyState>
        ) : (
          <section className="panel">
            <AuditTable events={events} />
          </section>
        ))}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="button"
          disabled={before.length === 0}
          onClick={() => setBefore((b) => b.slice(0, -1))}
        >
          ← Newer
        </button>
        <button
          type="button"
          className="button"
          disabled={!events || events.length < PAGE_SIZE}
          onClick={() => events && setBefore((b) => [...b, events[events.length - 1].id])}
        >
          Older →
        </button>
      </nav>
    </>
  );
}
