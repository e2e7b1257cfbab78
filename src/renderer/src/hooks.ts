/** Small React hooks with no API access. */
import { useCallback, useEffect, useRef, useState, type SetStateAction } from 'react';
import { errorMessage } from './lib/errors';

/** `value`, but only once it has stopped changing for `ms` milliseconds. */
export function useDebouncedValue<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * Returns a trigger that runs `fn` once, `ms` after the first of a burst of triggers (e.g. one
 * dashboard refresh for a flood of pushed events).
 */
export function useCoalesced(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  };
}

/**
 * useState for values that hold a secret. React keeps the previous render's state (and the
 * elements it rendered) in its second fiber buffer until the component renders again, so a
 * secret merely replaced would stay in the page's memory. Every change is therefore followed by
 * one more render, which overwrites that buffer.
 */
export function useScrubbedState<T>(initial: T): [T, (next: SetStateAction<T>) => void] {
  const [state, setState] = useState<{ value: T; settled: boolean }>({ value: initial, settled: true });
  useEffect(() => {
    // The cascading render is the point: it replaces the buffer that still holds the old secret.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (!state.settled) setState((s) => ({ value: s.value, settled: true }));
  }, [state]);
  const set = useCallback((next: SetStateAction<T>) => {
    setState((s) => ({ value: typeof next === 'function' ? (next as (prev: T) => T)(s.value) : next, settled: false }));
  }, []);
  return [state.value, set];
}

/** useScrubbedState for a secret that is there or not (a token on screen). */
export function useSecretState<T>(): [T | null, (next: SetStateAction<T | null>) => void] {
  return useScrubbedState<T | null>(null);
}

export interface Action<T> {
  busy: boolean;
  result: T | null;
  error: string | null;
  start: () => void;
}

/**
 * A one-shot call a button starts (reveal a folder, verify the log): busy while it runs, then its
 * answer, or what went wrong as a sentence that starts with `failure`. Starting again clears both.
 */
export function useAction<T>(run: () => Promise<T>, failure: string): Action<T> {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = (): void => {
    setBusy(true);
    setError(null);
    setResult(null);
    run()
      .then(
        (value) => setResult(value),
        (err: unknown) => setError(`${failure}: ${errorMessage(err)}`),
      )
      .finally(() => setBusy(false));
  };
  return { busy, result, error, start };
}
