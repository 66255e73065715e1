import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, ApiError, hasSessionMarker, onSignedOut } from '../api/client';
import type { SessionInfo } from '../api/types';

export type SessionState =
  | { status: 'checking' }
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; info: SessionInfo };

interface SessionApi {
  state: SessionState;
  /** The signed-in operator may act (admin role); viewers only look. */
  canAct: boolean;
  signIn(apiKey: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | undefined>(undefined);

/**
 * Who is signed in. The session itself is an HttpOnly cookie this code cannot read; the
 * server's non-secret marker cookie says whether asking the API is worth it, so a
 * signed-out visit shows the sign-in form without a failing request.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>(() =>
    hasSessionMarker() ? { status: 'checking' } : { status: 'signed-out' },
  );

  useEffect(() => {
    if (state.status !== 'checking') return;
    api
      .get<SessionInfo>('/v1/admin/session')
      .then((info) => setState({ status: 'signed-in', info }))
      .catch((err) =>
        setState({
          status: 'signed-out',
          notice:
            err instanceof ApiError && err.status === 401
              ? 'Your session has ended. Sign in again.'
              : undefined,
        }),
      );
  }, [state.status]);

  useEffect(
    () =>
      onSignedOut(() =>
        setState((s) =>
          s.status === 'signed-in'
            ? { status: 'signed-out', notice: 'Your session has ended. Sign in again.' }
            : s,
        ),
      ),
    [],
  );

  const signIn = useCallback(async (apiKey: string) => {
    const info = await api.post<SessionInfo>('/v1/admin/session', { apiKey });
    setState({ status: 'signed-in', info });
  }, []);

  const signOut = useCallback(async () => {
    await api.delete('/v1/admin/session');
    setState({ status: 'signed-out', notice: 'You are signed out.' });
  }, []);

  const value = useMemo<SessionApi>(
    () => ({
      state,
      canAct: state.status === 'signed-in' && state.info.operator.role === 'admin',
      signIn,
      signOut,
    }),
    [state, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
