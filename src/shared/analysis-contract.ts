/**
 * Schemas of the analysis calls (issue #6): people, roles and seats, the audit trail,
 * time-to-deprovision. contract.ts binds them to call names; kept apart so the analysis layer's
 * schemas change in one place. Imports nothing process-specific.
 */
import { z } from 'zod';

const isoInstant = z.iso.datetime({ offset: false });
const isoInstantLoose = z.iso.datetime({ offset: true });
/** A UTC day, YYYY-MM-DD. */
export const isoDay = z.iso.date();

export const personStatusSchema = z.enum(['active', 'leaving', 'gone']);
export const correlationFlagSchema = z.enum(['ambiguous', 'conflicting_keys', 'shared_key']);

export const personSummarySchema = z.object({
  id: z.number().int(),
  displayName: z.string().nullable(),
  primaryEmail: z.string().nullable(),
  status: personStatusSchema,
  /** Accounts correlated to this person, deleted ones included. */
  accounts: z.number().int().nonnegative(),
  /** Has at least one directory account (false: known only to apps — the orphaned-account case). */
  managed: z.boolean(),
  /** When the person stopped being active in every directory (null while active in one). */
  leftAt: isoInstant.nullable(),
  /** One of the person's accounts has an ambiguous correlation to review. */
  flagged: z.boolean(),
});
export type PersonSummary = z.infer<typeof personSummarySchema>;

export const personAccountSchema = z.object({
  sourceId: z.string(),
  sourceName: z.string(),
  sourceKind: z.enum(['connection', 'directory']),
  app: z.string().nullable(),
  accountId: z.string(),
  userName: z.string().nullable(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  /** The source's status word (active, suspended, disabled, inactive…). */
  status: z.string().nullable(),
  active: z.boolean(),
  deleted: z.boolean(),
  firstSeen: isoInstant,
  lastSeen: isoInstant,
  deletedAt: isoInstant.nullable(),
  groups: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  roles: z.array(z.object({ id: z.number().int(), name: z.string(), billed: z.boolean(), privileged: z.boolean(), since: isoInstant })),
  /** 'manual': linked by an admin; 'auto': correlated by its keys. */
  link: z.enum(['manual', 'auto']),
  flag: z.object({ kind: correlationFlagSchema, people: z.array(z.number().int()) }).nullable(),
});

export const roleMappingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group'), group: z.string().trim().min(1).max(500) }).strict(),
  z
    .object({
      kind: z.literal('attribute'),
      /** `userType`, `roles[].value`, `entitlements[].value`, `urn:…:enterprise:2.0:User:department`. */
      attribute: z.string().trim().min(1).max(500),
      value: z.string().trim().min(1).max(500),
    })
    .strict(),
]);

export const roleInputSchema = z
  .object({
    /** An existing role's id (from getRoleMap): renames keep the role and its history. Omitted: matched by name. */
    id: z.number().int().positive().optional(),
    name: z.string().trim().min(1).max(100),
    billed: z.boolean().default(true),
    privileged: z.boolean().default(false),
    seatsPurchased: z.number().int().min(0).max(10_000_000).nullable().default(null),
    mappings: z.array(roleMappingSchema).max(500).default([]),
  })
  .strict();

export const roleMapSchema = z.object({
  sourceId: z.string(),
  app: z.string().nullable(),
  roles: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      billed: z.boolean(),
      privileged: z.boolean(),
      seatsPurchased: z.number().int().nullable(),
      mappings: z.array(roleMappingSchema),
    }),
  ),
});

export const seatSeriesSchema = z.object({
  /** Every UTC day from `from` to `to`, inclusive. */
  days: z.array(isoDay),
  series: z.array(
    z.object({
      sourceId: z.string(),
      app: z.string(),
      /** null: accounts no mapping gives a role (counted as billed until the role map says otherwise). */
      roleId: z.number().int().nullable(),
      role: z.string().nullable(),
      billed: z.boolean(),
      privileged: z.boolean(),
      purchased: z.number().int().nullable(),
      /** Per day (end of day): active accounts holding the role. */
      active: z.array(z.number().int()),
      /** Per day: of those, held by people with a directory account and none active. */
      idle: z.array(z.number().int()),
    }),
  ),
});

export const deprovisionStatsSchema = z.object({
  apps: z.array(
    z.object({
      sourceId: z.string(),
      app: z.string(),
      /** Accounts deactivated or deleted after their person left (in the time range, by completion). */
      completed: z.number().int(),
      medianHours: z.number().nullable(),
      p90Hours: z.number().nullable(),
      maxHours: z.number().nullable(),
      /** Still active although their person left every directory. */
      open: z.number().int(),
      openAccounts: z.array(
        z.object({
          personId: z.number().int(),
          personName: z.string().nullable(),
          accountId: z.string(),
          userName: z.string().nullable(),
          leftAt: isoInstant,
          hoursOpen: z.number(),
        }),
      ),
    }),
  ),
});

export const correlationSettingsInputSchema = z
  .object({
    stripPlusAddressing: z.boolean(),
    domainAliases: z.array(z.array(z.string().trim().min(1).max(253)).min(2).max(50)).max(100),
  })
  .strict();

export const auditTypeSchema = z.enum(['role.granted', 'role.revoked', 'group.member_added', 'group.member_removed']);

const pageInput = {
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
};
const id = z.string().min(1).max(200);

/** The calls, bound to names in contract.ts (which passes its event schema: no import cycle). */
export const analysisCalls = <E extends z.ZodType>(event: E) =>
  ({
    searchPeople: {
      summary: 'People whose name or email starts with the query (all people without one), by name then email.',
      input: z
        .object({
          ...pageInput,
          query: z.string().max(200).optional(),
          status: personStatusSchema.optional(),
          flagged: z.boolean().optional(),
        })
        .strict(),
      output: z.object({ items: z.array(personSummarySchema), nextCursor: z.string().nullable() }),
    },
    getPerson: {
      summary: 'One person: every account across sources with status, groups and roles, and their timeline (newest first).',
      input: z
        .object({
          id: z.number().int().positive(),
          eventsLimit: z.number().int().min(1).max(500).default(50),
          eventsCursor: z.string().max(200).optional(),
        })
        .strict(),
      output: z.object({
        person: personSummarySchema.extend({ createdAt: isoInstant, updatedAt: isoInstant }),
        accounts: z.array(personAccountSchema),
        events: z.object({ items: z.array(event), nextCursor: z.string().nullable() }),
      }),
    },
    linkAccount: {
      summary: 'Links an account to a person by hand; the link outlives syncs and re-correlation.',
      input: z.object({ sourceId: id, accountId: id, personId: z.number().int().positive() }).strict(),
      output: z.object({ personId: z.number().int(), previousPersonId: z.number().int().nullable() }),
    },
    unlinkAccount: {
      summary: 'Takes an account away from its person for good; it is correlated again without that person.',
      input: z.object({ sourceId: id, accountId: id }).strict(),
      output: z.object({ personId: z.number().int(), previousPersonId: z.number().int().nullable() }),
    },
    listAuditTrail: {
      summary: 'Role and group-membership changes, newest first, with filters.',
      input: z
        .object({
          ...pageInput,
          personId: z.number().int().positive().optional(),
          sourceId: id.optional(),
          roleId: z.number().int().positive().optional(),
          /** A group's id in its source (needs sourceId). */
          groupId: id.optional(),
          types: z.array(auditTypeSchema).min(1).max(4).optional(),
          from: isoInstantLoose.optional(),
          to: isoInstantLoose.optional(),
        })
        .strict()
        .refine((v) => v.groupId === undefined || v.sourceId !== undefined, { message: 'groupId needs sourceId', path: ['groupId'] }),
      output: z.object({ items: z.array(event), nextCursor: z.string().nullable() }),
    },
    getSeatSeries: {
      summary: 'Seats per app and role per UTC day: active, idle, purchased.',
      input: z
        .object({
          from: isoDay,
          to: isoDay,
          sourceIds: z.array(id).min(1).max(200).optional(),
          /** A role name (any app's role of that name, case-insensitive). */
          role: z.string().trim().min(1).max(100).optional(),
        })
        .strict()
        .refine((v) => v.from <= v.to, { message: '"from" must not be after "to"', path: ['from'] })
        .refine((v) => Date.parse(v.to) - Date.parse(v.from) <= 3660 * 86_400_000, { message: 'at most ten years at once', path: ['to'] }),
      output: seatSeriesSchema,
    },
    getDeprovisionStats: {
      summary: 'Time from a person leaving every directory to each app account going: median, p90, max, and the open ones.',
      input: z
        .object({
          sourceIds: z.array(id).min(1).max(200).optional(),
          from: isoInstantLoose.optional(),
          to: isoInstantLoose.optional(),
          openLimit: z.number().int().min(0).max(1000).default(100),
        })
        .strict(),
      output: deprovisionStatsSchema,
    },
    getAnalysisSummary: {
      summary: 'Dashboard figures from the analysis: alerts, seats, time-to-deprovision, activity, people.',
      input: z.object({}).strict(),
      output: z.object({
        openAlerts: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() }),
        seats: z.object({ active: z.number().int(), billed: z.number().int(), idle: z.number().int() }),
        medianHoursToDeprovision: z.number().nullable(),
        eventsLast24h: z.number().int(),
        people: z.object({ active: z.number().int(), leaving: z.number().int(), gone: z.number().int(), flagged: z.number().int() }),
        /** Events not analysed yet (0 when up to date). */
        analysisBehind: z.number().int(),
      }),
    },
    getRoleMap: {
      summary: "A connection's roles, how groups and attributes map to them, and seats purchased.",
      input: z.object({ sourceId: id }).strict(),
      output: roleMapSchema,
    },
    setRoleMap: {
      summary: "Replaces a connection's role map; roles are derived again for all its accounts.",
      input: z
        .object({ sourceId: id, roles: z.array(roleInputSchema).max(200) })
        .strict()
        .superRefine((v, ctx) => {
          const seen = new Map<string, number>();
          v.roles.forEach((r, i) => {
            const key = r.name.toLowerCase();
            if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `role "${r.name}" is listed twice`, path: ['roles', i, 'name'] });
            seen.set(key, i);
          });
        }),
      output: roleMapSchema,
    },
    getCorrelationSettings: {
      summary: 'How accounts are matched to people: plus-addressing and domain aliases.',
      input: z.object({}).strict(),
      output: correlationSettingsInputSchema,
    },
    setCorrelationSettings: {
      summary: 'Changes the matching rules; every account is correlated again (manual links are kept).',
      input: correlationSettingsInputSchema,
      output: correlationSettingsInputSchema,
    },
    // Pages B (issue #7): the Seats page's table of idle seats.
    listIdleSeats: {
      summary: 'App accounts still active although their person left every directory, longest idle first, with their roles.',
      input: z
        .object({
          ...pageInput,
          sourceId: id.optional(),
          /** Only seats that cost money: a billed role, or no mapped role (counted as billed). */
          billedOnly: z.boolean().default(true),
        })
        .strict(),
      output: z.object({
        items: z.array(
          z.object({
            sourceId: z.string(),
            app: z.string(),
            personId: z.number().int(),
            personName: z.string().nullable(),
            personEmail: z.string().nullable(),
            accountId: z.string(),
            userName: z.string().nullable(),
            /** When the person left every directory. */
            leftAt: isoInstant,
            idleHours: z.number(),
            roles: z.array(z.object({ name: z.string(), billed: z.boolean() })),
          }),
        ),
        nextCursor: z.string().nullable(),
      }),
    },
  }) as const;
