import { useEffect, useId, useRef, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * A read-only value (SCIM URL, token) with a Copy button. The clipboard answer is shown next to
 * it and announced; when the clipboard cannot be used (no permission, not a secure context) the
 * text is selected instead so Ctrl+C / ⌘C copies it.
 */
export function SecretField({ label, what, value }: { label: string; what: string; value: string }) {
  const inputId = useId();
  const noteId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<CopyState>('idle');

  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      input.current?.focus();
      input.current?.select();
      setState('failed');
    }
  }

  return (
    <div className="secret-field">
      <label htmlFor={inputId} className="field__label">
        {label}
      </label>
      <div className="secret-field__row">
        <input
          ref={input}
          id={inputId}
          type="text"
          className="secret-field__input"
          readOnly
          value={value}
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="off"
          aria-describedby={noteId}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button copy-button" onClick={() => void copy()}>
          {state === 'copied' ? 'Copied' : 'Copy'}
          <span className="visually-hidden"> {what}</span>
        </button>
      </div>
      <p id={noteId} className="field-note small" role="status">
        {state === 'copied'
          ? `Copied the ${what} to the clipboard.`
          : state === 'failed'
            ? `The clipboard is not available: the ${what} is selected, press Ctrl+C (⌘C on a Mac) to copy it.`
            : ''}
      </p>
    </div>
  );
}
