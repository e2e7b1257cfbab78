/**
 * Connection slugs: the last segment of a connection's SCIM base URL (`/scim/v2/{slug}`). Shared
 * by the core (which assigns them) and the UI (which previews them).
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** A URL-safe slug from an app name: ASCII letters and digits, dashes between words, 48 at most. */
export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return s || 'app';
}
