import type { ReactNode } from 'react';
import { Link, useLocation } from '../lib/router';
import { useSession } from '../lib/session';
import { viewerTimeZone } from '../lib/time';
import { StatusBadge } from './status-badge';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/devices', label: 'Devices' },
  { to: '/failures', label: 'Failures' },
  { to: '/rate-limits', label: 'Rate limits' },
  { to: '/queue', label: 'Queue' },
  { to: '/audit', label: 'Audit log' },
];

/** The frame of every signed-in page: navigation, who is signed in, the page itself. */
export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const { state, signOut, canAct } = useSession();
  const info = state.status === 'signed-in' ? state.info : undefined;
  const isCurrent = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            fleetcert
          </div>
          <nav aria-label="Main">
            <ul className="nav">
              {NAV.map((item) => (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    className="nav-link"
                    aria-current={isCurrent(item.to) ? 'page' : undefined}
                  >
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <p className="sidebar-foot">
            Times in <strong>{viewerTimeZone()}</strong>
            <br />
            <a href="/docs" className="subtle-link">
              Admin API reference
            </a>
          </p>
        </div>
      </aside>
      <div className="content">
        <header className="topbar">
          {info && (
            <>
              {!canAct && (
                <span className="topbar-note">Read-only: the viewer role can look, not change.</span>
              )}
              <span className="operator">
                Signed in as <strong>{info.operator.name}</strong> <StatusBadge status={info.operator.role} />
              </span>
              <button type="button" className="button button-quiet" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          )}
        </header>
        <main id="main" tabIndex={-1} className="main">
          {children}
        </main>
      </div>
    </div>
  );
}
