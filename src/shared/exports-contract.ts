/**
 * Compliance exports (issue #8): the schemas of the export calls and their push messages. Kept
 * apart from contract.ts (which imports it) so the other areas' contract edits do not collide.
 * Imports nothing process-specific.
 */
import { z } from 'zod';

export const REPORTS = ['events', 'offboarding', 'access-changes', 'seats'] as const;
export const reportNameSchema = z.enum(REPORTS);
export type ReportName = z.infer<typeof reportNameSchema>;

/** Which filters each report takes besides the time range. */
export const REPORT_FILTERS: Record<ReportName, readonly ('sourceId' | 'personId' | 'types')[]> = {
  events: ['sourceId', 'personId', 'types'],
  offboarding: ['sourceId', 'personId'],
  'access-changes': ['sourceId', 'personId', 'types'],
  seats: ['sourceId'],
};

export const ACCESS_CHANGE_TYPES = ['role.granted', 'role.revoked', 'group.member_added', 'group.member_removed'] as const;

/** Default range when none is given: the 90 days before `to` (default: now). */
export const DEFAULT_RANGE_DAYS = 90;

const instant = z.iso.datetime({ offset: true });
const eventType = z.string().regex(/^[a-z]+\.[a-z_]+$/, 'an event type such as user.created');

export const exportFiltersSchema = z
  .object({
    /** Start of the range, inclusive (ISO-8601). Default: `to` minus 90 days. */
    from: instant.optional(),
    /** End of the range, exclusive (ISO-8601). Default: now. */
    to: instant.optional(),
    sourceId: z.string().trim().min(1).max(100).optional(),
    personId: z.number().int().positive().optional(),
    types: z.array(eventType).min(1).max(20).optional(),
  })
  .strict();
export type ExportFilters = z.infer<typeof exportFiltersSchema>;

export const exportRequestSchema = z
  .object({
    report: reportNameSchema,
    filters: exportFiltersSchema.default({}),
    /** Start the file with a UTF-8 byte-order mark (Excel on Windows needs it to read UTF-8). */
    bom: z.boolean().default(false),
    /** Export even though the event log's hash chain is broken; the manifest says so. */
    allowBrokenChain: z.boolean().default(false),
  })
  .strict();
export type ExportRequest = z.input<typeof exportRequestSchema>;

export const chainBreakSchema = z.object({
  seq: z.number().int(),
  reason: z.enum(['content-edited', 'missing-seq', 'reordered', 'previous-link-mismatch']),
  lastGoodSeq: z.number().int().nullable(),
  message: z.string(),
});

export const manifestSchema = z.object({
  format: z.literal('rollcall-export-manifest/1'),
  report: reportNameSchema,
  file: z.string(),
  filters: z.object({
    from: z.string(),
    to: z.string(),
    sourceId: z.string().optional(),
    personId: z.number().int().optional(),
    types: z.array(z.string()).optional(),
  }),
  generated_at: z.string(),
  rows: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  app_version: z.string(),
  schema_version: z.number().int(),
  csv: z.object({
    encoding: z.literal('utf-8'),
    bom: z.boolean(),
    delimiter: z.literal(','),
    line_end: z.literal('CRLF'),
    header: z.literal(true),
    formula_prefix: z.literal("'"),
    columns: z.array(z.string()),
  }),
  event_log: z.object({
    head_seq: z.number().int().nullable(),
    head_hash: z.string(),
    events: z.number().int(),
    chain_check: z.enum(['passed', 'failed', 'skipped']),
    /** True when the export went ahead on a broken chain because it was told to. */
    override: z.boolean(),
    first_break: chainBreakSchema.nullable(),
  }),
});
export type ExportManifest = z.infer<typeof manifestSchema>;

export const verifyResultSchema = z.object({
  ok: z.boolean(),
  chain: z.object({
    ok: z.boolean(),
    checked: z.number().int(),
    headSeq: z.number().int().nullable(),
    headHash: z.string(),
    firstBreak: chainBreakSchema.nullable(),
    ms: z.number(),
  }),
  integrity: z.object({ ok: z.boolean(), messages: z.array(z.string()), ms: z.number() }),
});
export type VerifyResult = z.infer<typeof verifyResultSchema>;

export const exportCalls = {
  startExport: {
    summary:
      'Starts an export into the data folder (exports/<id>/); progress and the outcome arrive on the push stream (export.progress). ' +
      'The browser downloads the finished file from GET /api/exports/<id>/file; the desktop app saves it with a native dialog.',
    input: exportRequestSchema,
    output: z.object({ exportId: z.string(), fileName: z.string() }),
  },
  cancelExport: {
    summary: 'Cancels an export in progress: nothing is left under its file name.',
    input: z.object({ exportId: z.string().min(1).max(100) }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
  getExport: {
    summary: 'State of an export (running, done with its manifest, failed with why).',
    input: z.object({ exportId: z.string().min(1).max(100) }).strict(),
    output: z.object({
      exportId: z.string(),
      state: z.enum(['running', 'done', 'failed', 'cancelled']),
      fileName: z.string(),
      rows: z.number().int(),
      error: z.string().nullable(),
      manifest: manifestSchema.nullable(),
    }),
  },
  saveExport: {
    summary:
      'Desktop app: asks where to save a finished export (native dialog) and copies the CSV and its manifest there. The browser downloads instead.',
    input: z.object({ exportId: z.string().min(1).max(100) }).strict(),
    output: z.object({ saved: z.boolean(), path: z.string().nullable(), message: z.string() }),
  },
  verifyEventLog: {
    summary:
      "Recomputes the event log's hash chain from genesis and runs SQLite's quick_check; progress on the push stream (verify.progress).",
    input: z.object({}).strict(),
    output: verifyResultSchema,
  },
} as const;

export const exportPushSchemas = [
  z.object({
    kind: z.literal('export.progress'),
    exportId: z.string(),
    /** writing, then done, failed or cancelled. */
    state: z.enum(['running', 'done', 'failed', 'cancelled']),
    rows: z.number().int(),
    bytes: z.number().int(),
    /** Events of the chain checked so far, and how many there are. */
    chainChecked: z.number().int(),
    chainTotal: z.number().int(),
    error: z.string().nullable(),
  }),
  z.object({ kind: z.literal('verify.progress'), checked: z.number().int(), total: z.number().int() }),
] as const;
