import type { ChangeEvent } from 'react';

/** Reads a small text file (a key, a certificate, a key file) chosen in a file input. */
export function readTextFile(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsText(file);
  });
}

/**
 * A file input shown as a button (the native one's "No file chosen" would contradict what was
 * read). The input itself stays in the tab order, visually hidden; its label is the button, and
 * gets the focus ring.
 */
export function FilePick({
  id,
  inputRef,
  accept,
  label,
  loaded,
  resetKey,
  invalid,
  describedBy,
  onChange,
}: {
  id: string;
  inputRef?: (el: HTMLInputElement | null) => void;
  accept: string;
  label: string;
  loaded: string | undefined;
  resetKey: number;
  invalid?: true;
  describedBy?: string;
  onChange(e: ChangeEvent<HTMLInputElement>): void;
}) {
  return (
    <div className="file-pick">
      <input
        key={resetKey}
        ref={inputRef}
        id={id}
        type="file"
        accept={accept}
        className="visually-hidden file-pick__input"
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onChange={onChange}
        // The same file can be chosen again after it was fixed.
        onClick={(e) => {
          e.currentTarget.value = '';
        }}
      />
      <label htmlFor={id} className="button button--small file-pick__button">
        {label}
      </label>
      {loaded ? <span className="small muted">Loaded {loaded}</span> : null}
    </div>
  );
}
