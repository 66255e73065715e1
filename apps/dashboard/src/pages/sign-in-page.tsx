import { FormEvent, useState } from 'react';
import { ErrorNotice, Notice } from '../components/notice';
import { useSession } from '../lib/session';

/**
 * Sign-in with an operator API key. The key is sent once and exchanged for a session
 * cookie the page's scripts cannot read; the key is not kept in the browser.
 */
export function SignInPage({ notice }: { notice?: string }) {
  const { signIn } = useSession();
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(apiKey.trim());
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          fleetcert
        </div>
        <h1>Sign in to the operator dashboard</h1>
        {notice && <Notice>{notice}</Notice>}
        <form onSubmit={submit} className="form">
          <div className="field">
            <label htmlFor="api-key">Operator API key</label>
            <input
              id="api-key"
              name="apiKey"
              type="password"
              className="input mono"
              autoComplete="off"
              spellCheck={false}
              placeholder="fco_…"
              required
              autoFocus
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              aria-describedby="api-key-hint"
            />
            <p id="api-key-hint" className="hint">
              An admin creates one with <code>npm run operator:create -- --name you</code> on the server, or{' '}
              <code>POST /v1/admin/operators</code>. The key is exchanged for a session; it is not stored
              here.
            </p>
          </div>
          <ErrorNotice error={error} />
          <button
            type="submit"
            className="button button-primary button-wide"
            disabled={busy || !apiKey.trim()}
          >
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
