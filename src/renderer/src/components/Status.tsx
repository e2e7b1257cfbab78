import type { ReactNode } from 'react';

/** A loading placeholder that keeps the space the content will take (no layout jump). */
export function Loading({ label, size = 'block' }: { label: string; size?: 'block' | 'inline' }) {
  return (
    <div className={size === 'block' ? 'loading' : 'loading loading--inline'} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** A visible error (announced to screen readers) with an optional retry. */
export function ErrorMessage({
  title = 'Could not load this page',
  message,
  onRetry,
}: {
  title?: string;
  message: string;
  onRetry?: () => void;
}) {
  return (
    <div className="notice notice--error" role="alert">
      <div>
        <strong className="notice__title">{title}</strong>
        <p className="notice__body">{message}</p>
      </div>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** What to show when there is no data: what it means and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-state__title">{title}</p>
      <div className="empty-state__body">{children}</div>
    </div>
  );
}
