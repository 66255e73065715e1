import { FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { CreatedDevice } from '../api/types';
import { ErrorNotice } from '../components/notice';
import { SecretField } from '../components/secret-field';
import { Link } from '../lib/router';

/**
 * Enrols one device. After creation the dialog shows the device token once, with a Copy
 * button; closing it is the operator's confirmation that the token is stored.
 */
export function CreateDeviceDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [identifier, setIdentifier] = useState('');
  const [label, setLabel] = useState('');
  const [labels, setLabels] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<CreatedDevice>();

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    let parsedLabels: Record<string, string> | undefined;
    try {
      parsedLabels = parseLabels(labels);
    } catch (err) {
      setError(err);
      return;
    }
    setBusy(true);
    try {
      const device = await api.post<CreatedDevice>('/v1/admin/devices', {
        identifier: identifier.trim() || undefined,
        label: label.trim() || undefined,
        labels: parsedLabels,
      });
      setCreated(device);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog dialog-wide"
      aria-labelledby="create-title"
      onCancel={onClose}
      onClose={onClose}
    >
      <h2 id="create-title">{created ? 'Device created' : 'Create a device'}</h2>
      {created ? (
        <div className="dialog-body">
          <dl className="facts">
            <div>
              <dt>Hostname</dt>
              <dd className="mono">{created.hostname}</dd>
            </div>
            <div>
              <dt>Identifier</dt>
              <dd className="mono">{created.identifier}</dd>
            </div>
          </dl>
          <SecretField label="Device token" value={created.token} />
          <div className="dialog-actions">
            <Link to={`/devices/${created.id}`} className="button" onClick={onClose}>
              Open device
            </Link>
            <button type="button" className="button button-primary" onClick={onClose}>
              Done, token stored
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} className="form dialog-body">
          <div className="field">
            <label htmlFor="device-identifier">Identifier (optional)</label>
            <input
              id="device-identifier"
              className="input"
              value={identifier}
              onChange={(e) => setIdentifier(e.target.value)}
              placeholder="Serial number or asset tag"
              autoFocus
              aria-describedby="device-identifier-hint"
            />
            <p id="device-identifier-hint" className="hint">
              Your own name for the device; defaults to its DNS label.
            </p>
          </div>
          <div className="field">
            <label htmlFor="device-label">DNS label (optional)</label>
            <input
              id="device-label"
              className="input mono"
              value={label}
              onChange={(e) => setLabel(e.target.value)}
              placeholder="random, 10 characters"
              aria-describedby="device-label-hint"
            />
            <p id="device-label-hint" className="hint">
              The device's hostname is this label under the fleet zone.
            </p>
          </div>
          <div className="field">
            <label htmlFor="device-labels">Labels (optional)</label>
            <textarea
              id="device-labels"
              className="input mono"
              rows={3}
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder={'site=berlin\nmodel=nas-4'}
              aria-describedby="device-labels-hint"
            />
            <p id="device-labels-hint" className="hint">
              One <code>key=value</code> per line, for filtering.
            </p>
          </div>
          <ErrorNotice error={error} />
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create device'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

function parseLabels(text: string): Record<string, string> | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}" is not key=value`);
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return labels;
}
