/**
 * The dashboard token arrives in the URL fragment (`http://127.0.0.1:8620/#token=…`, printed by
 * `rollcall serve`); fragments are never sent to servers or written to their logs. The page takes
 * it once, keeps it in sessionStorage and removes it from the visible URL so it is not
 * bookmarked, shared in a screenshot or left in the history. Pure (no DOM).
 */

export interface FragmentToken {
  /** The token, or null when the fragment carries none. */
  readonly token: string | null;
  /** The fragment to show instead (with the leading `#`, or '' when nothing is left). */
  readonly hash: string;
  /** Whether the fragment named a token at all (even an empty one) and so must be rewritten. */
  readonly found: boolean;
}

function decode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Splits `a=1&token=x&b` into the token and the remaining parameters (kept verbatim). */
function takeTokenParam(query: string): {
  token: string | null;
  rest: string;
  found: boolean;
} {
  let token: string | null = null;
  let found = false;
  const rest: string[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (key === 'token') {
      found = true;
      // `+` is kept as is: tokens are not form-encoded.
      const value = eq === -1 ? '' : decode(part.slice(eq + 1));
      if (token === null && value) token = value;
    } else {
      rest.push(part);
    }
  }
  return { token, rest: rest.join('&'), found };
}

/**
 * Reads the token from a fragment. Handles both the printed link (`#token=T`) and a route that
 * carries one (`#/timeline?type=user.created&token=T`); the route part is kept.
 */
export function extractFragmentToken(hash: string): FragmentToken {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { token: null, hash: '', found: false };
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    if (q === -1) return { token: null, hash: `#${raw}`, found: false };
    const { token, rest, found } = takeTokenParam(raw.slice(q + 1));
    const route = raw.slice(0, q);
    return { token, hash: `#${route}${rest ? `?${rest}` : ''}`, found };
  }
  const { token, rest, found } = takeTokenParam(raw);
  return { token, hash: rest ? `#${rest}` : '', found };
}
