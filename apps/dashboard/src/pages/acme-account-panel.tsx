import { useState } from 'react';
import { loadAcmeAccount, rollAcmeAccountKey } from '../api/acme-account';
import { ConfirmDialog } from '../components/confirm-dialog';
import { EmptyState, ErrorNotice, Notice } from '../components/notice';
import { TimeText } from '../components/time-text';
import { useSession } from '../lib/session';
import { usePolling } from '../lib/use-polling';

/**
 * The one ACME account the rate limits belong to: its URL, the public thumbprint of its key,
 * and the key rollover (RFC 8555 keyChange) for admins.
 */
export function AcmeAccountPanel() {
  const { canAct } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string>();
  const state = usePolling((signal) => loadAcmeAccount(signal), 15_000, []);
  const account = state.data;

  return (
    <section className="panel" aria-labelledby="account-heading">
      <h2 id="account-heading">ACME account</h2>
      <ErrorNotice error={state.error} />
      {done && <Notice tone="success">{done}</Notice>}
      {account === null && (
        <EmptyState>No account yet: it is created and registered with the first order.</EmptyState>
      )}
      {account && (
        <>
          <dl className="facts">
            <div>
              <dt>Account</dt>
              <dd className="mono small">{account.accountUrl ?? 'not registered yet'}</dd>
            </div>
            <div>
              <dt>Key thumbprint</dt>
              <dd className="mono small">{account.thumbprint}</dd>
            </div>
            <div>
              <dt>Key last rolled over</dt>
              <dd>
                {account.keyRolledAt ? <TimeText value={account.keyRolledAt} mode="relative" /> : 'Never'}
              </dd>
            </div>
          </dl>
          {account.rolloverPending && (
            <p className="hint">A key rollover is under way (or was cut off: it settles within a minute).</p>
          )}
          <button
            type="button"
            className="button"
            onClick={() => setConfirming(true)}
            disabled={!canAct || account.rolloverPending || !account.accountUrl}
          >
            Roll key over…
          </button>
          {!canAct && <p className="hint">Rolling the key over needs the admin role.</p>}
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title="Roll the account key over?"
          confirmLabel="Roll key over"
          tone="danger"
          onConfirm={async () => {
            const rolled = await rollAcmeAccountKey();
            setDone(
              `The account now uses the key ${rolled.thumbprint}; the CA no longer accepts the old one.`,
            );
            state.refresh();
          }}
          onClose={() => setConfirming(false)}
        >
          <p>
            The CA moves the account to a new key and stops accepting the old one. The account keeps its
            certificates and rate-limit history; orders in flight carry on with the new key.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
