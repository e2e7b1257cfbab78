import { useId, useState } from 'react';
import { useCall } from '../api';
import { useDebouncedValue } from '../hooks';
import { personLabel } from '../lib/person';

/**
 * A person search for filters (Timeline, Audit trail, Alerts, linking on a person page): type part
 * of a name or email, pick from up to eight matches (Arrow keys or Tab reach them; Escape closes the
 * list). Nothing is asked of the core until something is typed.
 */
export function PersonPicker({ label, onPick, excludeId }: { label: string; onPick(id: number): void; excludeId?: number }) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const query = useDebouncedValue(text.trim(), 250);
  const inputId = useId();
  const listId = useId();
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
        aria-controls={open && query ? listId : undefined}
        aria-expanded={Boolean(open && query)}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
      />
      {open && query ? <PersonMatches query={query} listId={listId} excludeId={excludeId} onPick={pick} /> : null}
    </div>
  );
}

function PersonMatches({
  query,
  listId,
  excludeId,
  onPick,
}: {
  query: string;
  listId: string;
  excludeId?: number;
  onPick(id: number): void;
}) {
  const found = useCall('searchPeople', { query, limit: 8 });
  const items = (found.data?.items ?? []).filter((p) => p.id !== excludeId);
  if (items.length > 0) {
    return (
      <ul id={listId} className="person-picker__results" aria-label="Matching people">
        {items.map((p) => (
          <li key={p.id}>
            <button type="button" onClick={() => onPick(p.id)}>
              {personLabel(p)}
              {p.primaryEmail && p.displayName ? <span className="muted"> · {p.primaryEmail}</span> : null}
            </button>
          </li>
        ))}
      </ul>
    );
  }
  if (found.data && !found.loading) {
    return (
      <ul id={listId} className="person-picker__results" aria-label="Matching people">
        <li className="muted">No one matches “{query}”.</li>
      </ul>
    );
  }
  return null;
}

/** A person's name, loaded by id (for a filter chip). */
export function PersonName({ id }: { id: number }) {
  const p = useCall('getPerson', { id, eventsLimit: 1 });
  if (p.data) return <>{personLabel(p.data.person)}</>;
  return <>{p.error ? `Person #${id} (${p.error})` : `Person #${id}`}</>;
}

/** A filter chip naming a person, with a button (named `removeLabel`) that drops the filter. */
export function PersonChip({ id, removeLabel, onRemove }: { id: number; removeLabel: string; onRemove: () => void }) {
  return (
    <span className="chip" data-testid="person-filter">
      <PersonName id={id} />
      <button type="button" className="chip__remove" aria-label={removeLabel} onClick={onRemove}>
        ×
      </button>
    </span>
  );
}
