/** Shaping of the person page (issue #7): accounts per source, a status per app. Pure. */
import type { CallOutput } from '../../../shared/contract';

export type PersonDetail = CallOutput<'getPerson'>;
export type PersonAccount = PersonDetail['accounts'][number];

export type AccountState = 'active' | 'inactive' | 'deleted';

/** An account's state in words for its status badge. */
export function accountState(a: Pick<PersonAccount, 'active' | 'deleted'>): AccountState {
  return a.deleted ? 'deleted' : a.active ? 'active' : 'inactive';
}

export interface AppStatus {
  /** The app's name (a connection's app, else its source name). */
  app: string;
  sourceId: string;
  state: AccountState;
  accounts: number;
  /** Billed roles held by active accounts. */
  billedRoles: string[];
}

/**
 * One line per app the person has an account in: active when any account is, else inactive when
 * any still exists, else deleted. Directories are left out (they are the person's identity, not an
 * app); apps by name.
 */
export function appStatuses(accounts: readonly PersonAccount[]): AppStatus[] {
  const out = new Map<string, AppStatus>();
  const rank: Record<AccountState, number> = { active: 2, inactive: 1, deleted: 0 };
  for (const a of accounts) {
    if (a.sourceKind !== 'connection') continue;
    const state = accountState(a);
    const cur = out.get(a.sourceId);
    const billed = state === 'active' ? a.roles.filter((r) => r.billed).map((r) => r.name) : [];
    if (!cur) {
      out.set(a.sourceId, { app: a.app ?? a.sourceName, sourceId: a.sourceId, state, accounts: 1, billedRoles: billed });
    } else {
      cur.accounts++;
      if (rank[state] > rank[cur.state]) cur.state = state;
      for (const r of billed) if (!cur.billedRoles.includes(r)) cur.billedRoles.push(r);
    }
  }
  return [...out.values()].sort((a, b) => a.app.localeCompare(b.app));
}

/** The person's name as shown: display name, else email, else "Person #id". */
export function personLabel(p: { id: number; displayName: string | null; primaryEmail: string | null }): string {
  return p.displayName ?? p.primaryEmail ?? `Person #${p.id}`;
}

/** Hash of a person's page. */
export function personHref(id: number): string {
  return `#/people/${id}`;
}
