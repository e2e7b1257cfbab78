import { useEffect, useId, useRef, type ReactNode, type SyntheticEvent } from 'react';
import { BusyButton } from './BusyButton';

export interface ConfirmDialogProps {
  title: string;
  /** What happens if the person confirms. */
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  tone?: 'default' | 'danger';
  /** The confirmed call is running: both buttons wait, Escape does nothing. */
  busy?: boolean;
  /** Why the confirmed call failed (the dialog stays open). */
  error?: string | null;
  onConfirm(): void;
  onCancel(): void;
  /** Where focus goes on close when the control that opened the dialog has left the page. */
  fallbackFocus?: () => HTMLElement | null;
}

/**
 * A small modal confirmation (native <dialog> opened with showModal, so the rest of the page is
 * inert while it is open). Render it only while it should be shown. Focus moves to Cancel when
 * it opens (the safe choice), Escape cancels, and when it goes away focus returns to the control
 * that opened it, or to `fallbackFocus` when that control is gone.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busyLabel,
  tone = 'default',
  busy = false,
  error = null,
  onConfirm,
  onCancel,
  fallbackFocus,
}: ConfirmDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const fallback = useRef(fallbackFocus);
  useEffect(() => {
    fallback.current = fallbackFocus;
  });
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const trigger =
      document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (trigger?.isConnected) trigger.focus();
      else fallback.current?.()?.focus();
    };
  }, []);

  const cancel = (): void => {
    if (!busy) onCancel();
  };

  // Escape. While the call runs the dialog stays; should the browser close it anyway (it may
  // ignore preventDefault on repeated Escapes), it is opened again.
  const onCancelEvent = (e: SyntheticEvent<HTMLDialogElement>): void => {
    e.preventDefault();
    cancel();
  };
  const onCloseEvent = (): void => {
    const dialog = dialogRef.current;
    if (!dialog?.isConnected) return;
    if (busy) dialog.showModal();
    else onCancel();
  };

  return (
    <dialog
      ref={dialogRef}
      className={`confirm-dialog confirm-dialog--${tone}`}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      aria-busy={busy || undefined}
      onCancel={onCancelEvent}
      onClose={onCloseEvent}
    >
      <h2 id={titleId} className="confirm-dialog__title">
        {title}
      </h2>
      <div id={bodyId} className="confirm-dialog__body">
        {children}
      </div>
      {error ? (
        <p className="inline-error confirm-dialog__error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="confirm-dialog__actions">
        <BusyButton ref={cancelRef} className="button" unavailable={busy} onClick={() => cancel()}>
          Cancel
        </BusyButton>
        <BusyButton
          className={tone === 'danger' ? 'button button--danger' : 'button button--primary'}
          busy={busy}
          busyLabel={busyLabel}
          onClick={onConfirm}
        >
          {confirmLabel}
        </BusyButton>
      </div>
    </dialog>
  );
}
