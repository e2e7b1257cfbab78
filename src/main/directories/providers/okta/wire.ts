/**
 * Okta wire format → Rollcall's normalised shapes: Link-header paging, status mapping, user and
 * group normalisation, and shape checks that turn a wrong page into a clear error before anything
 * from it is yielded. (docs/directories/okta.md has the mapping table.)
 */
import { DirectoryHttpError } from '../../http';
import type { DirGroup, DirUser, DirUserStatus } from '../../types';

/**
 * The `rel` → URL map of a Link header. Okta sends one `link` header line per relation; fetch's
 * Headers joins them with ", ", so the value is split on the `<…>` groups rather than on commas
 * (a URL may contain a comma). Relative URLs are resolved against the request URL.
 */
export function parseLinkHeader(value: string | null, base?: string): Record<string, string> {
  const links: Record<string, string> = {};
  if (!value) return links;
  const re = /<([^>]*)>([^<]*)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const params = m[2] ?? '';
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').trim();
    if (!rels) continue;
    let href = m[1]!.trim();
    try {
      href = new URL(href, base).toString();
    } catch {
      continue;
    }
    for (const r of rels.split(/\s+/)) if (!(r.toLowerCase() in links)) links[r.toLowerCase()] = href;
  }
  return links;
}

export const OKTA_STATUSES = [
  'ACTIVE',
  'STAGED',
  'PROVISIONED',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;
export type OktaUserStatus = (typeof OKTA_STATUSES)[number];

const STATUS_MAP: Record<string, DirUserStatus> = {
  ACTIVE: 'active',
  STAGED: 'staged',
  PROVISIONED: 'staged',
  // Transitional, "isn't directly settable": the user is being activated.
  ACTIVATING: 'staged',
  RECOVERY: 'locked',
  PASSWORD_EXPIRED: 'locked',
  LOCKED_OUT: 'locked',
  SUSPENDED: 'suspended',
  DEPROVISIONED: 'disabled',
};

/**
 * Okta status → normalised status. A status Okta adds later maps to `locked` (an account that
 * still exists and may still have access) rather than to anything that would read as offboarded;
 * the raw value stays visible in attributes.oktaStatus.
 */
export function mapOktaStatus(status: string): DirUserStatus {
  return STATUS_MAP[status] ?? 'locked';
}

export const isActiveStatus = (s: DirUserStatus): boolean => s !== 'suspended' && s !== 'disabled' && s !== 'archived';

/** The parts of an Okta User object Rollcall reads (checked by `checkUser`). */
export interface OktaUser {
  id: string;
  status: string;
  lastLogin?: string | null;
  profile: Record<string, unknown> & { login: string };
}

export interface OktaGroup {
  id: string;
  type?: string;
  objectClass?: unknown;
  profile: Record<string, unknown> & { name: string };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function malformed(url: string, what: string): DirectoryHttpError {
  return new DirectoryHttpError('malformed', `${url}: ${what}`, 200, url);
}

/** A list answer must be a JSON array; anything else is a clear error. */
export function checkArray(body: unknown, url: string, of: string): unknown[] {
  if (!Array.isArray(body)) throw malformed(url, `expected a JSON array of ${of}, got ${body === null ? 'an empty body' : typeof body}`);
  return body;
}

export function checkUser(item: unknown, url: string, index?: number): OktaUser {
  const at = index === undefined ? 'the user' : `item ${index}`;
  if (!isObject(item)) throw malformed(url, `${at} is not an Okta user object`);
  if (!str(item.id)) throw malformed(url, `${at} has no id`);
  if (!str(item.status)) throw malformed(url, `${at} (${String(item.id)}) has no status`);
  if (!isObject(item.profile) || !str(item.profile.login)) throw malformed(url, `${at} (${String(item.id)}) has no profile.login`);
  if (item.lastLogin !== undefined && item.lastLogin !== null && typeof item.lastLogin !== 'string')
    throw malformed(url, `${at} (${String(item.id)}) has a lastLogin that is not a timestamp`);
  return item as unknown as OktaUser;
}

export function checkGroup(item: unknown, url: string, index?: number): OktaGroup {
  const at = index === undefined ? 'the group' : `item ${index}`;
  if (!isObject(item)) throw malformed(url, `${at} is not an Okta group object`);
  if (!str(item.id)) throw malformed(url, `${at} has no id`);
  if (!isObject(item.profile) || typeof item.profile.name !== 'string')
    throw malformed(url, `${at} (${String(item.id)}) has no profile.name`);
  return item as unknown as OktaGroup;
}

/** Member pages are User objects; only the id matters here. */
export function checkMemberId(item: unknown, url: string, index: number): string {
  if (!isObject(item) || !str(item.id)) throw malformed(url, `item ${index} is not an Okta user with an id`);
  return item.id as string;
}

/**
 * attributes = the profile plus Okta's own status as `oktaStatus` (the normalised status is a column
 * of its own and the engine diffs it as `status`; keeping Okta's value apart makes a move between
 * two Okta statuses that map alike, LOCKED_OUT → RECOVERY, visible as an update). Everything else on
 * the User object changes without an admin changing anything (lastLogin, lastUpdated,
 * statusChanged, passwordChanged, _links…) or is not about the person, so it is left out of the
 * diff. A custom profile attribute called `status` or `oktaStatus` is kept as `profile.<name>`.
 */
export function toDirUser(u: OktaUser): DirUser {
  const profile = u.profile;
  const status = mapOktaStatus(u.status);
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(profile)) attributes[k === 'status' || k === 'oktaStatus' ? `profile.${k}` : k] = v;
  attributes.oktaStatus = u.status;
  const first = str(profile.firstName);
  const last = str(profile.lastName);
  const displayName = str(profile.displayName) ?? ([first, last].filter(Boolean).join(' ') || null);
  return {
    id: u.id,
    userName: profile.login,
    email: str(profile.email),
    displayName,
    employeeNumber: str(profile.employeeNumber),
    externalId: str(profile.externalId),
    status,
    active: isActiveStatus(status),
    lastSignInAt: str(u.lastLogin),
    attributes,
  };
}

/** attributes = the group's type, objectClass and profile (not lastUpdated, lastMembershipUpdated, _links). */
export function toDirGroup(g: OktaGroup): DirGroup {
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g.profile)) attributes[k === 'type' || k === 'objectClass' ? `profile.${k}` : k] = v;
  if (g.type !== undefined) attributes.type = g.type;
  if (g.objectClass !== undefined) attributes.objectClass = g.objectClass;
  return { id: g.id, displayName: g.profile.name, attributes };
}

/** The parts of a System Log event Rollcall reads. */
export interface OktaLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  actor?: { id?: string | null; type?: string | null; alternateId?: string | null; displayName?: string | null } | null;
  outcome?: { result?: string | null } | null;
  target?: { id?: string | null; type?: string | null; alternateId?: string | null }[] | null;
}

export function checkLogEvent(item: unknown, url: string, index: number): OktaLogEvent {
  if (!isObject(item)) throw malformed(url, `item ${index} is not a System Log event`);
  if (!str(item.uuid) || !str(item.eventType) || !str(item.published))
    throw malformed(url, `item ${index} is not a System Log event (needs uuid, eventType and published)`);
  if (item.target !== undefined && item.target !== null && !Array.isArray(item.target))
    throw malformed(url, `item ${index} (${String(item.uuid)}) has a target that is not a list`);
  return item as unknown as OktaLogEvent;
}

/** The event's target of one type (Okta: "match targets by type, not by array position"). */
export function targetOf(e: OktaLogEvent, type: string): string | null {
  for (const t of e.target ?? []) if (t && t.type === type && str(t.id)) return t.id as string;
  return null;
}

/** Who did it: the actor's login (alternateId), else its display name or id. */
export function actorOf(e: OktaLogEvent): string | null {
  const a = e.actor;
  if (!a) return null;
  return str(a.alternateId) ?? str(a.displayName) ?? str(a.id);
}
