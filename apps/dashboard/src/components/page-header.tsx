import type { ReactNode } from 'react';
import { useNow } from '../lib/clock';
import { relativeTime } from '../lib/time';

/** The title of a page, what it is for, its actions, and how fresh its data is. */
export function PageHeader({
  title,
  description,
  actions,
  updatedAt,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  updatedAt?: Date;
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p className="page-description">{description}</p>}
      </div>
      <div className="page-header-side">
        {updatedAt && <LiveIndicator updatedAt={updatedAt} />}
        {actions && <div className="page-actions">{actions}</div>}
      </div>
    </header>
  );
}

function LiveIndicator({ updatedAt }: { updatedAt: Date }) {
  const now = useNow();
  const seconds = Math.max(0, Math.round((now.getTime() - updatedAt.getTime()) / 1000));
  return (
    <span className="live" title={`Last updated ${updatedAt.toLocaleTimeString()}`}>
      <span className="live-dot" aria-hidden="true" />
      Live{seconds >= 30 ? ` · updated ${relativeTime(updatedAt, now)}` : ''}
    </span>
  );
}
