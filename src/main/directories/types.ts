/**
 * The contract between the directory sync engine (sync.ts) and the providers (providers/*.ts).
 *
 * A provider knows one IdP's admin API: authentication, paging, throttling signals, status
 * mapping. It yields what it reads, page by page, in a normalised shape; it never touches the
 * database. The engine diffs each page against the stored state, writes the changes and their
 * events in one transaction per page, and stores the provider's cursor only after the whole
 * round succeeded. An interrupted round is therefore simply run again: whatever was already
 * applied diffs as unchanged and emits nothing twice.
 */
import type { HttpClient } from './http';

export type DirectoryKind = 'okta' | 'entra' | 'google';

/** Normalised account state (see docs/directories.md for each provider's mapping). */
export type DirUserStatus =
  | 'active'
  | 'staged' // created, not yet activated (Okta STAGED / PROVISIONED)
  | 'locked' // Okta LOCKED_OUT, RECOVERY, PASSWORD_EXPIRED: still an account with access
  | 'suspended' // temporary block (Okta SUSPENDED, Google suspended)
  | 'disabled' // deprovisioned / deactivated, still listed (Okta DEPROVISIONED, Graph accountEnabled=false)
  | 'archived'; // Google archived

export interface Attribution {
  /** When the change happened at the IdP (ISO-8601 UTC), where the provider says. */
  occurredAt?: string | null;
  /** Who made the change (an admin's login, an app's name), where the provider says. */
  actor?: string | null;
}

export interface DirUser extends Attribution {
  /** The IdP's immutable id. */
  id: string;
  /** Okta profile.login, Graph userPrincipalName, Google primaryEmail. */
  userName: string;
  email: string | null;
  displayName: string | null;
  employeeNumber: string | null;
  /** An id the IdP holds for another system (Graph onPremisesImmutableId, Okta profile.externalId…). */
  externalId: string | null;
  status: DirUserStatus;
  /**
   * False exactly when status is suspended, disabled or archived: the person cannot sign in, and
   * for offboarding that is what matters (a suspended Okta user still holding an active Slack
   * account is an offboarding gap). Drives user.deactivated / user.reactivated.
   */
  active: boolean;
  /** Last interactive sign-in where the provider reports it (never diffed, never an event). */
  lastSignInAt: string | null;
  /**
   * The attributes Rollcall keeps and diffs for user.updated: the provider's payload minus
   * fields that change without an admin changing anything (lastLogin, lastUpdated, etags…).
   * Plain JSON; key order does not matter.
   */
  attributes: Record<string, unknown>;
}

export interface DirGroup extends Attribution {
  id: string;
  displayName: string;
  /** As for users: stable attributes only. */
  attributes: Record<string, unknown>;
}

export interface DirMember extends Attribution {
  groupId: string;
  memberId: string;
  memberType: 'User' | 'Group';
}

export interface RemovedObject extends Attribution {
  id: string;
}

/** One page of what the provider read. Every field is optional; order of application is as listed. */
export interface SyncPage {
  /** Users as they are now (created or updated). */
  users?: DirUser[];
  /** Users that no longer exist (Graph @removed, Okta user.lifecycle.delete…). */
  removedUsers?: RemovedObject[];
  groups?: DirGroup[];
  removedGroups?: RemovedObject[];
  /** Memberships that exist now. */
  members?: DirMember[];
  /** Memberships that ended (Graph members@delta @removed, Okta group.user_membership.remove). */
  removedMembers?: DirMember[];
  /** For the progress bar: what this page was (one of the provider's phases). */
  phase?: SyncPhase;
}

export type SyncPhase = 'users' | 'groups' | 'members' | 'changes';

/**
 * How the round ended. `snapshot`: the pages listed every user, group and membership there is,
 * so whatever the engine holds for this directory and did not see was deleted. `delta`: the pages
 * held changes only.
 */
export interface SyncResult {
  mode: 'snapshot' | 'delta';
  /** Opaque JSON the provider wants back next round (a deltaLink, a System Log `next` URL…). */
  cursor: unknown;
}

export interface SyncContext {
  /** The cursor the last successful round returned, or null for the first round. */
  cursor: unknown;
  /** Ignore the cursor and read everything (a periodic reconcile, or the user asked). */
  full: boolean;
  http: HttpClient;
  signal: AbortSignal;
  now: () => Date;
}

export interface DirectoryProvider {
  readonly kind: DirectoryKind;
  /** One poll: yields pages, returns the round's mode and the next cursor. */
  sync(ctx: SyncContext): AsyncGenerator<SyncPage, SyncResult, void>;
  /** A cheap authenticated call that proves the credentials and URLs work; a one-line description. */
  test(http: HttpClient, signal: AbortSignal): Promise<string>;
}
