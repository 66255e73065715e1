import { useId, useState } from 'react';

/**
 * A secret shown once (a device token): selectable text and a Copy button. The
 * clipboard API needs a secure context (HTTPS or localhost); elsewhere the field is
 * selected so that the operator can copy it by hand.
 */
export function SecretField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'manual' | undefined>();

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      const input = document.getElementById(id) as HTMLInputElement | null;
      input?.select();
      setCopied('manual');
    }
  };

  return (
    <div className="secret">
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          className="input mono"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button button-primary" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'manual'
            ? 'Selected: press Ctrl+C (⌘C) to copy.'
            : 'Shown once: only its hash is stored. Copy it now.'}
      </p>
    </div>
  );
}
