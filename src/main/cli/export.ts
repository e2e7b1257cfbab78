/**
 * `rollcall export` and `rollcall verify` (SPEC "Command line"; docs/exports.md).
 */
import path from 'node:path';
import { REPORTS, REPORT_FILTERS, type ReportName } from '../../shared/exports-contract';
import { quickCheck, verifyChain } from '../core/exports/chain';
import {
  assertDatabase,
  BrokenChainError,
  ExportCancelledError,
  ExportInputError,
  NoDatabaseError,
  runExport,
} from '../core/exports/export';
import { openDatabase } from '../core/store/db';
import { CommandError, type ParsedFlags, parseFlags, str, UsageError } from './args';

export const EXPORT_USAGE = `Usage: rollcall export --report REPORT --out FILE.csv [options]

Writes a compliance CSV and FILE.csv.manifest.json (row count, SHA-256, filters, the event log's
chain head). The event log's hash chain is checked first: on a broken chain nothing is written.

  --report R             ${REPORTS.join(' | ')}
  --out FILE.csv         where to write (the folder must exist)
  --from ISO             start of the range, inclusive (e.g. 2026-01-01 or 2026-01-01T00:00:00Z;
                         default: 90 days before --to)
  --to ISO               end of the range, exclusive (default: now)
  --source ID            only this connection or directory (every report)
  --person ID            only this person (events, offboarding, access-changes)
  --type T               only this event type, repeatable (events, access-changes)
  --bom                  start with a UTF-8 byte-order mark (Excel on Windows)
  --force                replace FILE.csv and its manifest if they exist
  --allow-broken-chain   export even if the hash chain is broken (the manifest records it)
  --data-dir DIR, --json (print the manifest as JSON), -h/--help`;

export const VERIFY_USAGE = `Usage: rollcall verify [options]

Recomputes the event log's hash chain from the genesis hash and runs SQLite's quick_check.
Exit code 0 when both pass, 1 when either fails (the first broken link is printed), 2 on usage errors.

  --expect-head HASH   also require this chain head (from an export manifest) to be in the log
  --no-integrity       skip the quick_check of the database file
  --data-dir DIR, --json, -h/--help`;

export interface ExportCliIo {
  stdout: (t: string) => void;
  stderr: (t: string) => void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM): an export in progress is cancelled. */
  stopSignal?: Promise<string>;
}

/** An ISO-8601 instant, or a bare date (midnight UTC). */
function instantFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const v = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v)))
    throw new UsageError(`${flag} must be an ISO-8601 date or instant such as 2026-01-31 or 2026-01-31T12:00:00Z (got "${value}")`);
  return new Date(v).toISOString();
}

export async function runExportCommand(args: string[], io: ExportCliIo, dataDir: (values: ParsedFlags) => string): Promise<number> {
  const values = parseFlags(args, {
    report: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    source: { type: 'string' },
    person: { type: 'string' },
    type: { type: 'string', multiple: true },
    bom: { type: 'boolean' },
    force: { type: 'boolean' },
    'allow-broken-chain': { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(EXPORT_USAGE);
    return 0;
  }
  const report = str(values, 'report');
  if (report === undefined) throw new UsageError(`--report is required (${REPORTS.join(', ')})`);
  if (!(REPORTS as readonly string[]).includes(report)) throw new UsageError(`Unknown report "${report}" (${REPORTS.join(', ')})`);
  const name = report as ReportName;
  const out = str(values, 'out');
  if (out === undefined || out === '') throw new UsageError('--out FILE.csv is required');
  const person = str(values, 'person');
  if (person !== undefined && !/^\d+$/.test(person)) throw new UsageError(`--person takes a person id (a number; got "${person}")`);
  const types = values.type as string[] | undefined;
  const filters = {
    from: instantFlag(str(values, 'from'), '--from'),
    to: instantFlag(str(values, 'to'), '--to'),
    sourceId: str(values, 'source'),
    personId: person === undefined ? undefined : Number(person),
    types,
  };
  for (const [flag, key] of [
    ['--source', 'sourceId'],
    ['--person', 'personId'],
    ['--type', 'types'],
  ] as const) {
    if (filters[key] !== undefined && !REPORT_FILTERS[name].includes(key))
      throw new UsageError(`the ${name} report takes no ${flag} filter`);
  }
  const controller = new AbortController();
  void io.stopSignal?.then(() => controller.abort());
  let lastShown = Date.now();
  try {
    const result = await runExport({
      dataDir: dataDir(values),
      outFile: path.resolve(out),
      overwrite: values.force === true,
      signal: controller.signal,
      request: {
        report: name,
        filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
        bom: values.bom === true,
        allowBrokenChain: values['allow-broken-chain'] === true,
      },
      onProgress: (p) => {
        const t = Date.now();
        if (t - lastShown < 1000) return;
        lastShown = t;
        const chain = p.chainTotal > 0 ? `, chain ${p.chainChecked.toLocaleString('en')}/${p.chainTotal.toLocaleString('en')} checked` : '';
        io.stderr(`export: ${p.rows.toLocaleString('en')} rows${chain}…`);
      },
    });
    const m = result.manifest;
    if (m.event_log.override)
      io.stderr(`rollcall: warning: exported from a BROKEN event log (${m.event_log.first_break!.message}); the manifest records it`);
    if (values.json) io.stdout(JSON.stringify({ file: result.file, manifestFile: result.manifestFile, manifest: m }));
    else {
      io.stdout(`Wrote ${m.rows.toLocaleString('en')} rows to ${result.file}`);
      io.stdout(`Manifest: ${result.manifestFile} (SHA-256 ${m.sha256})`);
      io.stdout(`Event log: chain ${m.event_log.chain_check}, head ${m.event_log.head_seq ?? 'none'} ${m.event_log.head_hash}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ExportInputError) throw new UsageError(err.message);
    if (err instanceof BrokenChainError || err instanceof ExportCancelledError || err instanceof NoDatabaseError)
      throw new CommandError(err.message);
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}

export function runVerifyCommand(args: string[], io: ExportCliIo, dataDir: (values: ParsedFlags) => string): number {
  const values = parseFlags(args, { 'expect-head': { type: 'string' }, 'no-integrity': { type: 'boolean' } });
  if (values.help) {
    io.stdout(VERIFY_USAGE);
    return 0;
  }
  const expect = str(values, 'expect-head');
  if (expect !== undefined && !/^[0-9a-f]{64}$/.test(expect)) throw new UsageError('--expect-head takes a chain head hash (64 hex digits)');
  const dir = dataDir(values);
  try {
    assertDatabase(dir);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  const db = openDatabase(dir, { readonly: true });
  try {
    let lastShown = Date.now();
    const chain = verifyChain(db, {
      onProgress: (checked, total) => {
        const t = Date.now();
        if (t - lastShown < 1000) return;
        lastShown = t;
        io.stderr(`verify: ${checked.toLocaleString('en')}/${total.toLocaleString('en')} events…`);
      },
    });
    const integrity = values['no-integrity'] ? null : quickCheck(db);
    let head: { ok: boolean; seq: number | null } | null = null;
    if (expect !== undefined) {
      const seq = db.prepare<[string], number>('SELECT seq FROM events WHERE hash = ?').pluck().get(expect) ?? null;
      head = { ok: seq !== null && chain.headSeq !== null && seq <= chain.headSeq, seq };
    }
    const ok = chain.ok && (integrity?.ok ?? true) && (head?.ok ?? true);
    if (values.json) {
      io.stdout(JSON.stringify({ ok, chain, integrity, expectedHead: head === null ? null : { hash: expect, ...head } }));
    } else {
      if (chain.ok)
        io.stdout(`Event log: OK — ${chain.checked.toLocaleString('en')} events, chain head ${chain.headSeq ?? 'none'} ${chain.headHash}`);
      else {
        const b = chain.firstBreak!;
        io.stdout(`Event log: BROKEN at event ${b.seq} (${b.reason}): ${b.message}`);
        io.stdout(`  ${chain.checked.toLocaleString('en')} events verified before it (last good: ${b.lastGoodSeq ?? 'none'})`);
      }
      if (integrity)
        io.stdout(integrity.ok ? 'Database file: OK (quick_check)' : `Database file: DAMAGED — ${integrity.messages.join('; ')}`);
      if (head)
        io.stdout(
          head.ok
            ? `Expected head: found at event ${head.seq}`
            : `Expected head: NOT in the verified log (events after it were removed or rewritten)`,
        );
    }
    return ok ? 0 : 1;
  } finally {
    db.close();
  }
}
