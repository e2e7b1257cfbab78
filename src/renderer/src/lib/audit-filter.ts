/**
 * The Audit trail page's filters (issue #7), read from and written to the URL, and turned into
 * the listAuditTrail input. The `{from, to, personId, sourceId}` part is what an export of the
 * page takes. Pure.
 */
import type { CallInput, RollcallEvent } from '../../../shared/contract';
import { nameOf, shortValue } from './events';

export type AuditKind = 'role' | 'group' | 'granted' | 'revoked';
export const AUDIT_KINDS: readonly AuditKind[] = ['role', 'group', 'granted', 'revoked'];
export const AUDIT_KIND_LABELS: Readonly<Record<AuditKind, string>> = {
  role: 'Role changes',
  group: 'Group changes',
  granted: 'Gained (role granted, added to group)',
  revoked: 'Lost (role revoked, removed from group)',
};
type AuditType = 'role.granted' | 'role.revoked' | 'group.member_added' | 'group.member_removed';
const KIND_TYPES: Readonly<Record<AuditKind, AuditType[]>> = {
  role: ['role.granted', 'role.revoked'],
  group: ['group.member_added', 'group.member_removed'],
  granted: ['role.granted', 'group.member_added'],
  revoked: ['role.revoked', 'group.member_removed'],
};

/** What an export of this page takes (instants as ISO-8601 UTC). */
export interface AuditExportFilter {
  from?: string;
  to?: string;
  personId?: number;
  sourceId?: string;
}

export interface AuditFilter extends AuditExportFilter {
  kind?: AuditKind;
  /** The days as typed (YYYY-MM-DD, UTC), to show in the date inputs. */
  fromDay?: string;
  toDay?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const validDay = (d: string | undefined): d is string => !!d && DAY.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00.000Z`));
const nextDay = (d: string): string => new Date(Date.parse(`${d}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * `#/audit?person=7&source=c-1&kind=role&from=2026-03-01&to=2026-03-31`: `to` is inclusive (the
 * instant is the start of the next UTC day). Invalid values are ignored; a range given backwards
 * is swapped.
 */
export function auditFilterFromParams(params: Readonly<Record<string, string>>): AuditFilter {
  const f: AuditFilter = {};
  if (params.person && /^[1-9]\d{0,15}$/.test(params.person)) f.personId = Number(params.person);
  if (params.source) f.sourceId = params.source;
  if ((AUDIT_KINDS as readonly string[]).includes(params.kind ?? '')) f.kind = params.kind as AuditKind;
  let fromDay = validDay(params.from) ? params.from : undefined;
  let toDay = validDay(params.to) ? params.to : undefined;
  if (fromDay && toDay && fromDay > toDay) [fromDay, toDay] = [toDay, fromDay];
  if (fromDay) {
    f.fromDay = fromDay;
    f.from = `${fromDay}T00:00:00.000Z`;
  }
  if (toDay) {
    f.toDay = toDay;
    f.to = `${nextDay(toDay)}T00:00:00.000Z`;
  }
  return f;
}

export function auditFilterParams(f: AuditFilter): Record<string, string | undefined> {
  return {
    person: f.personId === undefined ? undefined : String(f.personId),
    source: f.sourceId,
    kind: f.kind,
    from: f.fromDay,
    to: f.toDay,
  };
}

/** The part of the filter an export takes. */
export function auditExportFilter(f: AuditFilter): AuditExportFilter {
  const out: AuditExportFilter = {};
  if (f.from !== undefined) out.from = f.from;
  if (f.to !== undefined) out.to = f.to;
  if (f.personId !== undefined) out.personId = f.personId;
  if (f.sourceId !== undefined) out.sourceId = f.sourceId;
  return out;
}

export function auditListInput(f: AuditFilter, limit: number, cursor?: string): CallInput<'listAuditTrail'> {
  return { limit, cursor, ...auditExportFilter(f), ...(f.kind ? { types: KIND_TYPES[f.kind] } : {}) };
}

export function isFiltered(f: AuditFilter): boolean {
  return f.personId !== undefined || f.sourceId !== undefined || f.kind !== undefined || f.from !== undefined || f.to !== undefined;
}

/**
 * Before and after of a role or membership change in words: the roles held ("Creator, Admin" or
 * "no role") for role events, in or not in the group for membership events; anything else as
 * short JSON.
 */
export function auditBeforeAfter(e: Pick<RollcallEvent, 'type' | 'before' | 'after' | 'groupId'>): { before: string; after: string } {
  const roles = (v: unknown): string | null => {
    if (!v || typeof v !== 'object' || !Array.isArray((v as { roles?: unknown }).roles)) return null;
    const list = (v as { roles: unknown[] }).roles.filter((r): r is string => typeof r === 'string');
    return list.length ? list.join(', ') : 'no role';
  };
  if (e.type === 'role.granted' || e.type === 'role.revoked') {
    const b = roles(e.before);
    const a = roles(e.after);
    if (b !== null || a !== null) return { before: b ?? shortValue(e.before, 60), after: a ?? shortValue(e.after, 60) };
  }
  if (e.type === 'group.member_added' || e.type === 'group.member_removed') {
    const group = nameOf(e.type === 'group.member_added' ? e.after : e.before) ?? e.groupId ?? 'the group';
    const inGroup = `member of ${group}`;
    const outGroup = `not in ${group}`;
    return e.type === 'group.member_added' ? { before: outGroup, after: inGroup } : { before: inGroup, after: outGroup };
  }
  return { before: shortValue(e.before, 60), after: shortValue(e.after, 60) };
}
