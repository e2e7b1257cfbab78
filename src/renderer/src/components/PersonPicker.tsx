import { useId, useState } from 'react';
import { useCall } from '../api';
import { useDebouncedValue } from '../hooks';
import { personLabel } from '../lib/person';

/**
 * A person search for filters (pages B, issue #7): type part of a name or email, pick from up to
 * eight matches (Arrow keys or Tab reach them; Escape closes the list).
 */
export function PersonPicker({ label, onPick, excludeId }: { label: string; onPick(id: number): void; excludeId?: number }) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const query = useDebouncedValue(text.trim(), 250);
  const inputId = useId();
  const listId = useId();
  const found = useCall('searchPeople', { query: query || undefined, limit: 8 }, [open]);
  const items = open && query ? (found.data?.items ?? []).filter((p) => p.id !== excludeId) : [];
  const pick = (id: number): void => {
    setOpen(false);
    setText('');
    onPick(id);
  };
  return (
    <div
      className="person-picker"
      onKeyDown={(e) => {
        if (e.key === 'Escape') setOpen(false);
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('.person-picker__results button')];
          if (buttons.length === 0) return;
          e.preventDefault();
          const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
          const next = e.key === 'ArrowDown' ? (i + 1) % buttons.length : i <= 0 ? buttons.length - 1 : i - 1;
          buttons[next]!.focus();
        }
      }}
    >
      <label className="field__label" htmlFor={inputId}>
        {label}
      </label>
      <input
        id={inputId}
        type="search"
        value={text}
        placeholder="Name or email"
        autoComplete="off"
        spellCheck={false}
        aria-controls={items.length ? listId : undefined}
        aria-expanded={items.length > 0}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
      />
      {items.length > 0 ? (
        <ul id={listId} className="person-picker__results" aria-label="Matching people">
          {items.map((p) => (
            <li key={p.id}>
              <button type="button" onClick={() => pick(p.id)}>
                {personLabel(p)}
                {p.primaryEmail && p.displayName ? <span className="muted"> · {p.primaryEmail}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : open && query && found.data && !found.loading ? (
        <ul className="person-picker__results" aria-label="Matching people">
          <li className="muted">No one matches “{query}”.</li>
        </ul>
      ) : null}
    </div>
  );
}

/** A person's name, loaded by id (for a filter chip). */
export function PersonName({ id }: { id: number }) {
  const p = useCall('getPerson', { id, eventsLimit: 1 });
  if (p.data) return <>{personLabel(p.data.person)}</>;
  return <>{p.error ? `Person #${id} (${p.error})` : `Person #${id}`}</>;
}
