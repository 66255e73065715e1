import { ReactNode, useEffect, useRef, useState } from 'react';
import { ErrorNotice } from './notice';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  /** Runs the action; the dialog stays open showing the error if it throws. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/**
 * Asks before an action: a modal `<dialog>` (focus moves in and is trapped there, Escape
 * cancels, focus returns to the button that opened it). The safe choice has the focus.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = 'primary',
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="confirm-title"
      onCancel={onClose}
      onClose={onClose}
    >
      <h2 id="confirm-title">{title}</h2>
      <div className="dialog-body">{children}</div>
      <ErrorNotice error={error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} autoFocus disabled={busy}>
          Cancel
        </button>
        <button type="button" className={`button button-${tone}`} onClick={confirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
