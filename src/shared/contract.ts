/**
 * The one API contract between the UI and the core.
 *
 * Every call the renderer can make is defined here once: its name, a zod schema for its input
 * and one for its output. The Electron IPC bindings, the preload bridge, the HTTP transport of
 * the headless host and the typed renderer client are all derived from this object, so a call
 * cannot exist on one transport and not on the other.
 *
 * This module imports nothing process-specific (no Node, no DOM, no Electron).
 */
import { z } from 'zod';
import { callNames, ipcChannel, type CallName } from './call-names';
import { SLUG_PATTERN } from './slug';
import { analysisCalls } from './analysis-contract';
import { exportCalls, exportPushSchemas } from './exports-contract';

export { callNames, ipcChannel, type CallName };

export interface CallContract<I extends z.ZodType, O extends z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly summary: string;
}

function call<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): CallContract<I, O> {
  return { summary, input, output };
}

/** ISO-8601 instant, always UTC with a trailing Z. */
export const isoInstant = z.iso.datetime({ offset: false });
const isoInstantLoose = z.iso.datetime({ offset: true });

export const severitySchema = z.enum(['high', 'medium', 'low']);
export const alertStatusSchema = z.enum(['open', 'acknowledged', 'resolved']);
export const providerSchema = z.enum(['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'generic']);
export const themeSchema = z.enum(['system', 'light', 'dark']);

export const eventTypeSchema = z.enum([
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
  'role.granted',
  'role.revoked',
  'relay.failed',
]);
export type EventType = z.infer<typeof eventTypeSchema>;

const jsonValue: z.ZodType<unknown> = z.unknown();

export const eventSchema = z.object({
  seq: z.number().int().positive(),
  type: eventTypeSchema,
  sourceId: z.string(),
  sourceName: z.string(),
  accountId: z.string().nullable(),
  groupId: z.string().nullable(),
  personId: z.number().int().nullable(),
  subject: z.string().nullable(),
  occurredAt: isoInstant,
  observedAt: isoInstant,
  actor: z.string().nullable(),
  before: jsonValue,
  after: jsonValue,
  exchangeId: z.number().int().nullable(),
  hash: z.string(),
});
export type RollcallEvent = z.infer<typeof eventSchema>;

export const alertSchema = z.object({
  id: z.number().int(),
  rule: z.string(),
  severity: severitySchema,
  status: alertStatusSchema,
  title: z.string(),
  personId: z.number().int().nullable(),
  sourceId: z.string().nullable(),
  openedAt: isoInstant,
  acknowledgedAt: isoInstant.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: isoInstant.nullable(),
  resolvedBy: z.string().nullable(),
  /** auto: the condition cleared; manual: someone resolved it. */
  resolution: z.enum(['auto', 'manual']).nullable(),
  /** How long it was (or has been, while unresolved) open. */
  openForMs: z.number().nonnegative(),
  details: z.record(z.string(), z.unknown()),
  notes: z.number().int().nonnegative(),
  evidence: z.array(z.number().int()),
});
export type Alert = z.infer<typeof alertSchema>;

/** One alert with what triage needs: who moved it and when, the notes, the evidence events. */
export const alertNoteSchema = z.object({ id: z.number().int(), at: isoInstant, author: z.string().nullable(), text: z.string() });

/** Each alert rule's settings (SPEC "Alerts"); every rule can be turned off. */
const ruleBase = { enabled: z.boolean(), severity: severitySchema };
export const alertSettingsSchema = z.object({
  /** A person gone from every directory while an app account of theirs is still active past the SLA. */
  offboardingGap: z.object({ ...ruleBase, slaHours: z.number().min(0.25).max(720) }).strict(),
  /** Relay: a deactivate/delete the app did not carry out. */
  deprovisionFailed: z.object(ruleBase).strict(),
  /** Relay: the app refuses Rollcall's credentials (401/403, or its token endpoint refuses). */
  upstreamCredentialsRejected: z.object(ruleBase).strict(),
  /** An active app account whose person has no account in any directory. */
  orphanedAccount: z.object(ruleBase).strict(),
  /** An app account reactivated while its person is not active in any directory. */
  reactivation: z.object(ruleBase).strict(),
  /** A role flagged privileged was granted. */
  privilegedRoleGranted: z.object(ruleBase).strict(),
  /** No SCIM request to a connection for `connectionQuietHours`; a directory missed `directoryMissedSyncs` syncs in a row. */
  silentSource: z
    .object({ ...ruleBase, connectionQuietHours: z.number().min(1).max(2160), directoryMissedSyncs: z.number().int().min(2).max(100) })
    .strict(),
  /** More than `threshold` deactivations or deletions from one source within `windowMinutes`. */
  massDeprovisioning: z
    .object({ ...ruleBase, threshold: z.number().int().min(2).max(1_000_000), windowMinutes: z.number().int().min(1).max(10_080) })
    .strict(),
  /** A billed app seat whose person has not signed in to any directory (that reports sign-ins) for `days`. */
  inactiveSeat: z.object({ ...ruleBase, days: z.number().int().min(7).max(365) }).strict(),
});
export type AlertSettings = z.infer<typeof alertSettingsSchema>;
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  offboardingGap: { enabled: true, severity: 'high', slaHours: 4 },
  deprovisionFailed: { enabled: true, severity: 'high' },
  upstreamCredentialsRejected: { enabled: true, severity: 'high' },
  orphanedAccount: { enabled: true, severity: 'medium' },
  reactivation: { enabled: true, severity: 'high' },
  privilegedRoleGranted: { enabled: true, severity: 'high' },
  silentSource: { enabled: true, severity: 'medium', connectionQuietHours: 72, directoryMissedSyncs: 3 },
  massDeprovisioning: { enabled: true, severity: 'high', threshold: 50, windowMinutes: 60 },
  inactiveSeat: { enabled: true, severity: 'low', days: 60 },
};
/** The rule name stored on each alert, per setting. */
export const ALERT_RULES = {
  offboardingGap: 'offboarding_gap',
  deprovisionFailed: 'deprovision_failed',
  upstreamCredentialsRejected: 'upstream_credentials_rejected',
  orphanedAccount: 'orphaned_account',
  reactivation: 'reactivation',
  privilegedRoleGranted: 'privileged_role_granted',
  silentSource: 'silent_source',
  massDeprovisioning: 'mass_deprovisioning',
  inactiveSeat: 'inactive_seat',
} as const satisfies Record<keyof AlertSettings, string>;
export const alertRuleSchema = z.enum(Object.values(ALERT_RULES) as [string, ...string[]]);

/** Relay mode: how Rollcall reaches the app's own SCIM API. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
export const MIN_UPSTREAM_TIMEOUT_MS = 1_000;
export const MAX_UPSTREAM_TIMEOUT_MS = 300_000;
const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'an http(s) URL without credentials in it');
/** A header the relay may add upstream: a token (RFC 9110 field name), not one the relay owns. */
const upstreamHeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'a header name')
  .refine(
    (h) =>
      !['host', 'authorization', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'accept'].includes(h.toLowerCase()),
    'a header the relay does not set itself',
  );
export const upstreamAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bearer'), token: z.string().min(1).max(16_384) }).strict(),
  z.object({ kind: z.literal('basic'), username: z.string().min(1).max(512), password: z.string().max(16_384) }).strict(),
  z
    .object({
      kind: z.literal('oauth'),
      tokenUrl: httpUrl,
      clientId: z.string().min(1).max(1024),
      clientSecret: z.string().min(1).max(16_384),
      scope: z.string().max(2048).optional(),
    })
    .strict(),
]);
export const upstreamInputSchema = z
  .object({
    baseUrl: httpUrl,
    auth: upstreamAuthSchema,
    timeoutMs: z.number().int().min(MIN_UPSTREAM_TIMEOUT_MS).max(MAX_UPSTREAM_TIMEOUT_MS).optional(),
    /** Extra headers (values are treated as secrets: encrypted, never shown again). */
    headers: z.record(upstreamHeaderName, z.string().max(8192)).optional(),
    /** PEM certificates to trust besides the system's (an internal CA). */
    caPem: z.string().max(1_000_000).optional(),
    /** TLS certificate verification; on unless explicitly turned off. */
    tlsVerify: z.boolean().optional(),
  })
  .strict();
export type UpstreamInput = z.infer<typeof upstreamInputSchema>;
/** What the API shows of an upstream: never a credential. */
export const upstreamViewSchema = z.object({
  baseUrl: z.string(),
  authKind: z.enum(['bearer', 'basic', 'oauth']),
  timeoutMs: z.number().int(),
  headerNames: z.array(z.string()),
  customCa: z.boolean(),
  tlsVerify: z.boolean(),
});

export const connectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  app: z.string(),
  provider: providerSchema,
  slug: z.string(),
  scimUrl: z.string().nullable(),
  mode: z.enum(['store', 'relay']),
  upstream: upstreamViewSchema.nullable(),
  createdAt: isoInstant,
  lastRequestAt: isoInstant.nullable(),
});
export const directoryKindSchema = z.enum(['okta', 'entra', 'google']);
/**
 * Okta's and Google's `membersConcurrency`: groups whose members a full round lists at once. The
 * providers' schemas and the Sources page form both hold to these.
 */
export const DEFAULT_MEMBERS_CONCURRENCY = 4;
export const MAX_MEMBERS_CONCURRENCY = 16;
export type DirectoryKind = z.infer<typeof directoryKindSchema>;

const syncCounts = {
  pages: z.number().int(),
  users: z.number().int(),
  groups: z.number().int(),
  memberships: z.number().int(),
  events: z.number().int(),
};

/** One sync run of a directory (counts are what the run saw; events what it emitted). */
export const syncRunSchema = z.object({
  id: z.number().int(),
  trigger: z.enum(['schedule', 'manual', 'cli']),
  full: z.boolean(),
  /** The directory's first successful sync: what already existed was recorded, without an event per object. */
  baseline: z.boolean(),
  status: z.enum(['running', 'ok', 'failed', 'cancelled']),
  mode: z.enum(['snapshot', 'delta']).nullable(),
  startedAt: isoInstant,
  finishedAt: isoInstant.nullable(),
  ...syncCounts,
  error: z.string().nullable(),
});
export type SyncRun = z.infer<typeof syncRunSchema>;

export const directorySchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: directoryKindSchema,
  createdAt: isoInstant,
  /** When the last successful sync finished. */
  lastSyncAt: isoInstant.nullable(),
  intervalMinutes: z.number().int(),
  paused: z.boolean(),
  /** The non-secret settings (URLs, tenant, client id…); credentials are never returned. */
  settings: z.record(z.string(), z.unknown()),
  lastSync: syncRunSchema.nullable(),
  nextSyncAt: isoInstant.nullable(),
});

export const personSchema = z.object({
  id: z.number().int(),
  displayName: z.string().nullable(),
  primaryEmail: z.string().nullable(),
  status: z.enum(['active', 'leaving', 'gone']),
  accounts: z.number().int().nonnegative(),
});

export const seatRowSchema = z.object({
  app: z.string(),
  sourceId: z.string(),
  role: z.string().nullable(),
  billed: z.boolean(),
  active: z.number().int().nonnegative(),
  idle: z.number().int().nonnegative(),
  purchased: z.number().int().nonnegative().nullable(),
});

/** Where the SCIM listener binds. TLS is on when both PEM paths are set (both or neither). */
export const scimListenerSettingsSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address'),
  port: z.number().int().min(0).max(65535),
  tlsCertPath: z.string().trim().min(1).max(4096).nullable(),
  tlsKeyPath: z.string().trim().min(1).max(4096).nullable(),
});
export type ScimListenerSettings = z.infer<typeof scimListenerSettingsSchema>;
export const DEFAULT_SCIM_LISTENER: ScimListenerSettings = { host: '127.0.0.1', port: 8610, tlsCertPath: null, tlsKeyPath: null };

/** The desktop window's last size and position (screen coordinates). */
export const windowBoundsSchema = z.object({
  x: z.number().int().min(-100_000).max(100_000),
  y: z.number().int().min(-100_000).max(100_000),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(150).max(100_000),
  maximized: z.boolean(),
});
export type WindowBounds = z.infer<typeof windowBoundsSchema>;

/**
 * User preferences. Fields after `theme` are mostly the desktop app's; the headless host keeps
 * and returns them too. Defaults let an older core's answer (theme only) still parse.
 */
export const settingsSchema = z.object({
  theme: themeSchema,
  /** Desktop: launch Rollcall when the user logs in (opt-in). */
  startAtLogin: z.boolean().default(false),
  /** Desktop: closing the window leaves the relay and pollers running in the tray. */
  keepRunningInBackground: z.boolean().default(true),
  /** Desktop: store secrets without the OS keyring when it is unavailable (explicit opt-in). */
  allowPlaintextSecrets: z.boolean().default(false),
  /** Desktop: the SCIM listener's address (`rollcall serve` takes flags instead). */
  scimListener: scimListenerSettingsSchema.default(DEFAULT_SCIM_LISTENER),
  windowBounds: windowBoundsSchema.nullable().default(null),
});
export type Settings = z.output<typeof settingsSchema>;

const pageInput = {
  limit: z.number().int().min(1).max(1000).default(100),
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor: z.string().max(200).optional(),
};

const analysis = analysisCalls(eventSchema);

// Timeline and Dashboard (issue #7, ui-a)
/** A recorded SCIM request and its answer, as getEvent shows it. */
export const scimExchangeSchema = z.object({
  id: z.number().int(),
  receivedAt: z.string(),
  method: z.string(),
  path: z.string(),
  query: z.string().nullable(),
  status: z.number().int(),
  latencyMs: z.number(),
  requestBody: z.string().nullable(),
  responseBody: z.string().nullable(),
  upstreamStatus: z.number().int().nullable(),
  upstreamLatencyMs: z.number().nullable(),
  upstreamError: z.string().nullable(),
});
export type ScimExchange = z.infer<typeof scimExchangeSchema>;
export const sourceHealthSchema = z.object({
  id: z.string(),
  kind: z.enum(['connection', 'directory']),
  name: z.string(),
  app: z.string().nullable(),
  /** Connections: the last SCIM request; directories: the last successful sync. */
  lastActivityAt: z.string().nullable(),
  /** Directories: the status of the latest sync run. */
  lastSyncStatus: z.enum(['running', 'ok', 'failed', 'cancelled']).nullable(),
  errorCount: z.number().int().nonnegative(),
  recentErrors: z.array(z.object({ at: z.string(), message: z.string() })),
});
export type SourceHealth = z.infer<typeof sourceHealthSchema>;

export const contract = {
  getAppInfo: call(
    'Version, data folder and listener addresses of the running core.',
    z.object({}).strict(),
    z.object({
      version: z.string(),
      dataDir: z.string(),
      schemaVersion: z.number().int(),
      scimOrigin: z.string().nullable(),
      host: z.enum(['electron', 'headless']),
    }),
  ),
  getDashboard: call(
    'The numbers on the dashboard.',
    z.object({}).strict(),
    z.object({
      openAlerts: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() }),
      activeSeats: z.number().int(),
      idleSeats: z.number().int(),
      eventsLast24h: z.number().int(),
      medianHoursToDeprovision: z.number().nullable(),
      sources: z.object({ connections: z.number().int(), directories: z.number().int() }),
    }),
  ),
  listEvents: call(
    'Events, newest first, with optional filters.',
    z
      .object({
        ...pageInput,
        types: z.array(eventTypeSchema).max(20).optional(),
        sourceId: z.string().max(100).optional(),
        personId: z.number().int().optional(),
        from: isoInstantLoose.optional(),
        to: isoInstantLoose.optional(),
      })
      .strict(),
    z.object({ items: z.array(eventSchema), nextCursor: z.string().nullable() }),
  ),
  listAlerts: call(
    'Alerts, newest first, filtered by status, severity, rule, person or source.',
    z
      .object({
        ...pageInput,
        status: alertStatusSchema.optional(),
        /** Several statuses at once (e.g. open and acknowledged: everything unresolved). */
        statuses: z.array(alertStatusSchema).min(1).max(3).optional(),
        severity: severitySchema.optional(),
        rule: alertRuleSchema.optional(),
        personId: z.number().int().optional(),
        sourceId: z.string().max(100).optional(),
      })
      .strict(),
    z.object({ items: z.array(alertSchema), nextCursor: z.string().nullable() }),
  ),
  getAlert: call(
    'One alert with its notes and its evidence events.',
    z.object({ id: z.number().int() }).strict(),
    z.object({ alert: alertSchema, notes: z.array(alertNoteSchema), evidence: z.array(eventSchema) }),
  ),
  updateAlerts: call(
    'Acknowledge, resolve or reopen alerts (one or many), with an optional note; says who and when.',
    z
      .object({
        ids: z.array(z.number().int()).min(1).max(500),
        action: z.enum(['acknowledge', 'resolve', 'reopen']),
        note: z.string().trim().min(1).max(4000).optional(),
        by: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    z.object({
      updated: z.array(z.number().int()),
      skipped: z.array(z.object({ id: z.number().int(), reason: z.string() })),
    }),
  ),
  addAlertNote: call(
    'Adds a note to an alert.',
    z.object({ id: z.number().int(), text: z.string().trim().min(1).max(4000), by: z.string().trim().min(1).max(200).optional() }).strict(),
    alertNoteSchema,
  ),
  getAlertSettings: call('Each alert rule’s settings.', z.object({}).strict(), alertSettingsSchema),
  updateAlertSettings: call(
    'Changes alert rule settings (only the rules and fields given); returns all of them.',
    z
      .object(
        Object.fromEntries(
          Object.entries(alertSettingsSchema.shape).map(([k, v]) => [k, (v as z.ZodObject).partial().strict().optional()]),
        ) as { [K in keyof AlertSettings]: z.ZodOptional<z.ZodObject> },
      )
      .strict(),
    alertSettingsSchema,
  ),
  listPeople: call(
    'People correlated across sources, optionally matching a search string.',
    z.object({ ...pageInput, query: z.string().max(200).optional() }).strict(),
    z.object({ items: z.array(personSchema), nextCursor: z.string().nullable() }),
  ),
  getSeats: call('Active and idle seats per app and role.', z.object({}).strict(), z.object({ rows: z.array(seatRowSchema) })),
  listSources: call(
    'SCIM connections and polled directories.',
    z.object({}).strict(),
    z.object({ connections: z.array(connectionSchema), directories: z.array(directorySchema) }),
  ),
  createConnection: call(
    'Creates a SCIM connection for an app; the answer holds its token, shown this once.',
    z
      .object({
        name: z.string().trim().min(1).max(200),
        app: z.string().trim().min(1).max(200),
        provider: providerSchema,
        slug: z.string().regex(SLUG_PATTERN, 'lowercase letters, digits and dashes, 1–64 characters').optional(),
        /** Relay to the app's SCIM API instead of storing (credentials encrypted, never returned). */
        upstream: upstreamInputSchema.optional(),
      })
      .strict(),
    z.object({ connection: connectionSchema, token: z.string() }),
  ),
  testConnection: call(
    "Relay connections: calls the app's ServiceProviderConfig with the stored upstream credentials.",
    z.object({ id: z.string().min(1).max(100) }).strict(),
    z.object({ ok: z.boolean(), message: z.string(), status: z.number().int().nullable(), latencyMs: z.number().nullable() }),
  ),
  removeConnection: call(
    'Removes a connection: its token stops working; its history stays.',
    z.object({ id: z.string().min(1).max(100) }).strict(),
    z.object({ id: z.string() }),
  ),
  rotateConnectionToken: call(
    'Issues a new token for a connection; the old one stops working at once.',
    z.object({ id: z.string().min(1).max(100) }).strict(),
    z.object({ connection: connectionSchema, token: z.string() }),
  ),
  createDirectory: call(
    'Adds a polled directory. Credentials are encrypted at rest and never returned.',
    z
      .object({
        kind: directoryKindSchema,
        name: z.string().trim().min(1).max(200),
        settings: z.record(z.string().max(100), z.unknown()),
        credentials: z.record(z.string().max(100), z.unknown()),
        intervalMinutes: z.number().int().min(1).max(1440).optional(),
      })
      .strict(),
    z.object({ directory: directorySchema }),
  ),
  removeDirectory: call(
    'Stops polling a directory and forgets its credentials; its history stays.',
    z.object({ id: z.string().min(1).max(100) }).strict(),
    z.object({ id: z.string() }),
  ),
  testDirectory: call(
    "Calls the directory's API once with its stored credentials.",
    z.object({ id: z.string().min(1).max(100) }).strict(),
    z.object({ ok: z.boolean(), message: z.string() }),
  ),
  syncDirectory: call(
    'Starts a sync now; progress arrives on the push stream (sync.progress).',
    z.object({ id: z.string().min(1).max(100), full: z.boolean().optional() }).strict(),
    z.object({ syncId: z.number().int() }),
  ),
  getSettings: call('User preferences.', z.object({}).strict(), settingsSchema),
  updateSettings: call(
    'Change user preferences; returns the new settings.',
    z
      .object({
        theme: themeSchema.optional(),
        startAtLogin: z.boolean().optional(),
        keepRunningInBackground: z.boolean().optional(),
        allowPlaintextSecrets: z.boolean().optional(),
        scimListener: scimListenerSettingsSchema.partial().strict().optional(),
        windowBounds: windowBoundsSchema.nullable().optional(),
      })
      .strict(),
    settingsSchema,
  ),
  revealDataFolder: call(
    'Shows the data folder in the OS file manager (desktop app only); the message says what happened.',
    z.object({}).strict(),
    z.object({ revealed: z.boolean(), message: z.string() }),
  ),
  // Analysis (issue #6): the schemas are in analysis-contract.ts.
  searchPeople: call(analysis.searchPeople.summary, analysis.searchPeople.input, analysis.searchPeople.output),
  getPerson: call(analysis.getPerson.summary, analysis.getPerson.input, analysis.getPerson.output),
  linkAccount: call(analysis.linkAccount.summary, analysis.linkAccount.input, analysis.linkAccount.output),
  unlinkAccount: call(analysis.unlinkAccount.summary, analysis.unlinkAccount.input, analysis.unlinkAccount.output),
  listAuditTrail: call(analysis.listAuditTrail.summary, analysis.listAuditTrail.input, analysis.listAuditTrail.output),
  getSeatSeries: call(analysis.getSeatSeries.summary, analysis.getSeatSeries.input, analysis.getSeatSeries.output),
  getDeprovisionStats: call(analysis.getDeprovisionStats.summary, analysis.getDeprovisionStats.input, analysis.getDeprovisionStats.output),
  getAnalysisSummary: call(analysis.getAnalysisSummary.summary, analysis.getAnalysisSummary.input, analysis.getAnalysisSummary.output),
  getRoleMap: call(analysis.getRoleMap.summary, analysis.getRoleMap.input, analysis.getRoleMap.output),
  setRoleMap: call(analysis.setRoleMap.summary, analysis.setRoleMap.input, analysis.setRoleMap.output),
  getCorrelationSettings: call(
    analysis.getCorrelationSettings.summary,
    analysis.getCorrelationSettings.input,
    analysis.getCorrelationSettings.output,
  ),
  setCorrelationSettings: call(
    analysis.setCorrelationSettings.summary,
    analysis.setCorrelationSettings.input,
    analysis.setCorrelationSettings.output,
  ),
  // Pages B (issue #7)
  listIdleSeats: call(analysis.listIdleSeats.summary, analysis.listIdleSeats.input, analysis.listIdleSeats.output),
  // Exports (issue #8): the schemas are in exports-contract.ts.
  startExport: call(exportCalls.startExport.summary, exportCalls.startExport.input, exportCalls.startExport.output),
  cancelExport: call(exportCalls.cancelExport.summary, exportCalls.cancelExport.input, exportCalls.cancelExport.output),
  getExport: call(exportCalls.getExport.summary, exportCalls.getExport.input, exportCalls.getExport.output),
  saveExport: call(exportCalls.saveExport.summary, exportCalls.saveExport.input, exportCalls.saveExport.output),
  verifyEventLog: call(exportCalls.verifyEventLog.summary, exportCalls.verifyEventLog.input, exportCalls.verifyEventLog.output),
  // Timeline and Dashboard (issue #7, ui-a)
  getEvent: call(
    'One event with the SCIM exchange it came from (request and response, secrets redacted at storage).',
    z.object({ seq: z.number().int().positive() }).strict(),
    z.object({ event: eventSchema, exchange: scimExchangeSchema.nullable() }),
  ),
  getSourceHealth: call(
    'Per source: when it was last heard from (SCIM request or successful sync) and its errors of the last 24 hours.',
    z.object({}).strict(),
    z.object({ windowHours: z.number(), sources: z.array(sourceHealthSchema) }),
  ),
} as const satisfies Record<CallName, CallContract<z.ZodType, z.ZodType>>;

export type Contract = typeof contract;
export type CallInput<N extends CallName> = z.input<Contract[N]['input']>;
export type CallParsedInput<N extends CallName> = z.output<Contract[N]['input']>;
export type CallOutput<N extends CallName> = z.output<Contract[N]['output']>;

/** The push stream: everything the core tells the UI without being asked. */
export const pushSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('events.appended'), events: z.array(eventSchema) }),
  z.object({ kind: z.literal('alerts.changed'), openHigh: z.number().int() }),
  /** Alerts that were just opened (the desktop app notifies for the high-severity ones). */
  z.object({ kind: z.literal('alerts.opened'), alerts: z.array(alertSchema).max(10_000) }),
  z.object({ kind: z.literal('sources.changed') }),
  z.object({
    kind: z.literal('sync.progress'),
    directoryId: z.string(),
    syncId: z.number().int(),
    /** starting, users, groups, members, changes, deletions, then done or failed. */
    phase: z.string(),
    ...syncCounts,
    /** Set while the sync waits out a rate limit or a retry. */
    waiting: z.string().nullable(),
    error: z.string().nullable(),
    baseline: z.boolean(),
  }),
  // Exports (issue #8)
  ...exportPushSchemas,
]);
export type PushMessage = z.infer<typeof pushSchema>;

/** What every transport carries back for a call: a value or a typed error. */
export const errorCodeSchema = z.enum([
  'invalid_input',
  'unknown_call',
  'not_found',
  'conflict',
  'internal',
  // Refusals by the HTTP transport before a call reaches the core.
  'unauthorized',
  'forbidden',
  'too_large',
  'method_not_allowed',
  'unsupported_media_type',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;
export const apiErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export function isCallName(name: string): name is CallName {
  return (callNames as readonly string[]).includes(name);
}
