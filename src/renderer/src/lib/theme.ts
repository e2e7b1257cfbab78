/** Theme preference helpers. Pure (no DOM). */
import { themeSchema } from '../../../shared/contract';

export type Theme = 'system' | 'light' | 'dark';

export const THEME_OPTIONS: ReadonlyArray<{ value: Theme; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/**
 * The `data-theme` attribute to put on <html>: null for "system" (the stylesheet then follows
 * `prefers-color-scheme`), otherwise the forced theme.
 */
export function themeAttribute(theme: Theme): 'light' | 'dark' | null {
  return theme === 'system' ? null : theme;
}

/** The theme actually shown, given whether the OS prefers dark. */
export function effectiveTheme(theme: Theme, systemPrefersDark: boolean): 'light' | 'dark' {
  if (theme === 'system') return systemPrefersDark ? 'dark' : 'light';
  return theme;
}

/** Reads a remembered theme (e.g. from localStorage); anything unexpected gives undefined. */
export function parseTheme(value: unknown): Theme | undefined {
  const parsed = themeSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
