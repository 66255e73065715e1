import { useEffect, useRef } from 'react';
import { Layout } from './components/layout';
import { matchPath, navigate, useLocation } from './lib/router';
import { SessionProvider, useSession } from './lib/session';
import { AuditPage } from './pages/audit-page';
import { DevicePage } from './pages/device-page';
import { DevicesPage } from './pages/devices-page';
import { FailuresPage } from './pages/failures-page';
import { NotFoundPage } from './pages/not-found-page';
import { OverviewPage } from './pages/overview-page';
import { QueuePage } from './pages/queue-page';
import { RateLimitsPage } from './pages/rate-limits-page';
import { SignInPage } from './pages/sign-in-page';

const TITLES: Record<string, string> = {
  '/': 'Overview',
  '/devices': 'Devices',
  '/failures': 'Failures',
  '/rate-limits': 'Rate limits',
  '/queue': 'Queue',
  '/audit': 'Audit log',
};

export function App() {
  return (
    <SessionProvider>
      <Routes />
    </SessionProvider>
  );
}

function Routes() {
  const { state } = useSession();
  const { path } = useLocation();
  const previous = useRef({ path, status: state.status });

  useEffect(() => {
    const name = TITLES[path] ?? (path.startsWith('/devices/') ? 'Device' : undefined);
    document.title = name ? `${name} · fleetcert` : 'fleetcert';
    // After a navigation or a sign-in, move focus to the new page's content, so that
    // keyboard and screen-reader users start there. A page loaded afresh keeps the
    // browser's own start (the skip link comes first).
    const before = previous.current;
    previous.current = { path, status: state.status };
    const navigated = before.path !== path;
    const signedIn = before.status === 'signed-out' && state.status === 'signed-in';
    if (state.status === 'signed-in' && (navigated || signedIn)) {
      document.getElementById('main')?.focus({ preventScroll: true });
    }
  }, [path, state.status]);

  // `/sign-in` is only a place to land; once signed in, go where the operator was going.
  useEffect(() => {
    if (state.status === 'signed-in' && path === '/sign-in') navigate('/', { replace: true });
  }, [state.status, path]);

  if (state.status === 'checking') return <p className="muted center">Loading…</p>;
  if (state.status === 'signed-out') return <SignInPage notice={state.notice} />;
  return <Layout>{page(path)}</Layout>;
}

function page(path: string) {
  if (path === '/') return <OverviewPage />;
  if (path === '/devices') return <DevicesPage />;
  const device = matchPath('/devices/:id', path);
  if (device) return <DevicePage id={device.id} />;
  if (path === '/failures') return <FailuresPage />;
  if (path === '/rate-limits') return <RateLimitsPage />;
  if (path === '/queue') return <QueuePage />;
  if (path === '/audit') return <AuditPage />;
  return <NotFoundPage />;
}
