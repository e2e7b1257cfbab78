import type { ButtonHTMLAttributes, MouseEvent, ReactNode, Ref } from 'react';

type Props = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'disabled'> & {
  ref?: Ref<HTMLButtonElement>;
  /** True while the button's call runs: it shows `busyLabel` and ignores clicks. */
  busy?: boolean;
  busyLabel?: ReactNode;
  /** Unavailable for another reason (e.g. another call runs). */
  unavailable?: boolean;
};

/**
 * A button that stays focusable while its call runs (aria-disabled instead of disabled, so a
 * keyboard user's focus is not thrown to the page body) and says it is working, without changing
 * its width.
 */
export function BusyButton({
  busy = false,
  busyLabel,
  unavailable = false,
  onClick,
  children,
  className,
  type = 'button',
  ...rest
}: Props) {
  const inert = busy || unavailable;
  const click = (e: MouseEvent<HTMLButtonElement>): void => {
    if (inert) {
      e.preventDefault();
      return;
    }
    onClick?.(e);
  };
  return (
    <button
      {...rest}
      type={type}
      className={`${className ?? 'button'}${busy ? ' is-busy' : ''}`}
      aria-disabled={inert || undefined}
      onClick={click}
    >
      {busyLabel === undefined ? (
        children
      ) : (
        // Both labels take the same cell; the one not in use is invisible (and not part of the
        // button's name), so the button is as wide as the wider one and nothing moves.
        <span className="busy-button__labels">
          <span className="busy-button__label" aria-hidden={busy || undefined}>
            {children}
          </span>
          <span className="busy-button__label" aria-hidden={!busy || undefined}>
            <span className="spinner spinner--small" aria-hidden="true" />
            {busyLabel}
          </span>
        </span>
      )}
    </button>
  );
}
