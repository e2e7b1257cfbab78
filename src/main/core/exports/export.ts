/**
 * Writing one export: the CSV streamed from a read snapshot of the database into a temporary file
 * beside the destination in chunks of about 256 KB (SHA-256 computed over the bytes as they are
 * written, fsynced before the rename), the event log's hash chain checked on a worker thread at the same time,
 * then — only when both succeeded — the manifest and the renames. On an error, a cancel or a
 * broken chain nothing is left under the final names.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_RANGE_DAYS,
  exportRequestSchema,
  REPORT_FILTERS,
  type ExportManifest,
  type ExportRequest,
  type ReportName,
} from '../../../shared/exports-contract';
import { DB_FILE_NAME, openDatabase, schemaVersion } from '../store/db';
import { APP_VERSION } from '../version';
import { chainHead, verifyChain, VerifyCancelledError, type ChainResult } from './chain';
import { headerRecord, UTF8_BOM } from './csv';
import { reports, type ResolvedFilters } from './reports';
import { verifyOnWorker } from './verify-worker';

export class ExportInputError extends Error {}
/** There is no database in the data folder (nothing to export or verify). */
export class NoDatabaseError extends Error {
  constructor(dataDir: string) {
    super(`There is no Rollcall database in ${dataDir} (pass --data-dir, or set ROLLCALL_DATA_DIR)`);
  }
}

export function assertDatabase(dataDir: string): void {
  if (!fs.existsSync(path.join(dataDir, DB_FILE_NAME))) throw new NoDatabaseError(dataDir);
}
export class ExportCancelledError extends Error {
  constructor() {
    super('The export was cancelled');
  }
}
/** The chain check failed and no override was given: the export refuses to produce evidence. */
export class BrokenChainError extends Error {
  constructor(readonly chain: ChainResult) {
    const b = chain.firstBreak!;
    super(
      `The event log's hash chain is broken at event ${b.seq} (${b.reason}): ${b.message}. ` +
        'Refusing to export evidence from a log that may have been altered. Run "rollcall verify" for details; ' +
        '--allow-broken-chain exports anyway and records the break in the manifest.',
    );
  }
}

export interface ExportProgress {
  rows: number;
  bytes: number;
  chainChecked: number;
  chainTotal: number;
}

export interface ExportOptions {
  dataDir: string;
  /** The CSV's final path; the manifest goes beside it as `<file>.manifest.json`. */
  outFile: string;
  request: ExportRequest;
  /** Replace existing files at outFile (default: refuse). */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  now?: () => Date;
  /**
   * 'worker' (default): the chain is checked on a worker thread while the file is written.
   * 'inline': checked on this thread before writing (tests of the refusal, no thread).
   * 'skip': not checked (the benchmark's baseline; the manifest says "skipped").
   */
  chainCheck?: 'worker' | 'inline' | 'skip';
}

export interface ExportResult {
  file: string;
  manifestFile: string;
  manifest: ExportManifest;
}

const DAY = 86_400_000;
const CHUNK = 256 * 1024;

/** Applies the defaults and checks the filters against the report. */
export function resolveRequest(
  input: ExportRequest,
  now: Date,
): { report: ReportName; filters: ResolvedFilters; bom: boolean; allowBrokenChain: boolean } {
  const parsed = exportRequestSchema.safeParse(input);
  if (!parsed.success)
    throw new ExportInputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  const { report, filters, bom, allowBrokenChain } = parsed.data;
  const to = filters.to !== undefined ? new Date(filters.to) : now;
  const from = filters.from !== undefined ? new Date(filters.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY);
  if (!(from.getTime() < to.getTime()))
    throw new ExportInputError(`"from" (${from.toISOString()}) must be before "to" (${to.toISOString()})`);
  const allowed = REPORT_FILTERS[report];
  for (const key of ['sourceId', 'personId', 'types'] as const) {
    if (filters[key] !== undefined && !allowed.includes(key)) throw new ExportInputError(`the ${report} report has no ${key} filter`);
  }
  return {
    report,
    bom,
    allowBrokenChain,
    filters: {
      from: from.toISOString(),
      to: to.toISOString(),
      ...(filters.sourceId !== undefined ? { sourceId: filters.sourceId } : {}),
      ...(filters.personId !== undefined ? { personId: filters.personId } : {}),
      ...(filters.types !== undefined ? { types: filters.types } : {}),
    },
  };
}

export async function runExport(options: ExportOptions): Promise<ExportResult> {
  const now = options.now ?? (() => new Date());
  const req = resolveRequest(options.request, now());
  const report = reports[req.report];
  const outFile = path.resolve(options.outFile);
  const manifestFile = `${outFile}.manifest.json`;
  const dir = path.dirname(outFile);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ExportInputError(`The folder ${dir} does not exist`);
  if (!options.overwrite) {
    for (const f of [outFile, manifestFile])
      if (fs.existsSync(f)) throw new ExportInputError(`${f} already exists (choose another name, or overwrite)`);
  }
  const signal = options.signal;
  if (signal?.aborted) throw new ExportCancelledError();

  assertDatabase(options.dataDir);
  const db = openDatabase(options.dataDir, { readonly: true });
  // Rows are read once, in index order: a small page cache keeps memory flat (the default
  // connection's 64 MiB would fill with pages never read again).
  db.pragma('cache_size = -8192');
  const tag = randomBytes(6).toString('hex');
  const tmpCsv = path.join(dir, `.${path.basename(outFile)}.${tag}.partial`);
  const tmpManifest = path.join(dir, `.${path.basename(manifestFile)}.${tag}.partial`);
  const stopChain = new AbortController();
  let chainPromise: Promise<ChainResult | null> = Promise.resolve(null);
  const progress: ExportProgress = { rows: 0, bytes: 0, chainChecked: 0, chainTotal: 0 };
  try {
    // One snapshot for the rows and the chain head the manifest names.
    db.exec('BEGIN');
    const head = chainHead(db);
    const checkMode = options.chainCheck ?? 'worker';
    if (checkMode === 'inline') {
      const chain = verifyChain(db, { upToSeq: head.seq ?? 0 });
      chainPromise = Promise.resolve(chain);
      if (!chain.ok && !req.allowBrokenChain) throw new BrokenChainError(chain);
    } else if (checkMode === 'worker') {
      chainPromise = verifyOnWorker({
        dataDir: options.dataDir,
        upToSeq: head.seq ?? 0,
        integrity: false,
        signal: stopChain.signal,
        onProgress: (checked, total) => {
          progress.chainChecked = checked;
          progress.chainTotal = total;
          options.onProgress?.({ ...progress });
        },
      }).then((r) => r.chain);
    }
    // A broken chain found while the file is being written stops the writing at once.
    let brokenEarly: ChainResult | null = null;
    chainPromise.then(
      (c) => {
        if (c && !c.ok && !req.allowBrokenChain) brokenEarly = c;
      },
      () => undefined,
    );

    const hash = createHash('sha256');
    // Written with one reused buffer and synchronous writes (into the OS's cache, a fraction of a
    // millisecond per chunk), yielding to the event loop after each chunk: a stream would allocate
    // a buffer per chunk, and those pile up outside the heap until a collection (tens of MB at a
    // million rows).
    const fd = fs.openSync(tmpCsv, 'wx', 0o600);
    const scratch = Buffer.allocUnsafe(CHUNK * 4);
    const write = async (text: string): Promise<void> => {
      const size = Buffer.byteLength(text, 'utf8');
      // A chunk ends at the first record past CHUNK characters; one huge record gets its own buffer.
      const bytes = size <= scratch.length ? scratch.subarray(0, scratch.write(text, 0, 'utf8')) : Buffer.from(text, 'utf8');
      hash.update(bytes);
      progress.bytes += bytes.length;
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    try {
      let pending = (req.bom ? UTF8_BOM : '') + headerRecord(report.columns);
      let lastReport = 0;
      for (const rec of report.records(db, req.filters)) {
        pending += rec;
        progress.rows++;
        if (pending.length >= CHUNK) {
          await write(pending);
          pending = '';
          if (signal?.aborted) throw new ExportCancelledError();
          if (brokenEarly) throw new BrokenChainError(brokenEarly);
          if (progress.rows - lastReport >= 20_000) {
            lastReport = progress.rows;
            options.onProgress?.({ ...progress });
          }
        }
      }
      if (pending) await write(pending);
      // On disk before it is renamed to its final name: evidence does not vanish in a power cut.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    db.exec('COMMIT');
    if (signal?.aborted) throw new ExportCancelledError();
    options.onProgress?.({ ...progress });

    const chain = await chainPromise;
    if (chain && !chain.ok && !req.allowBrokenChain) throw new BrokenChainError(chain);
    if (signal?.aborted) throw new ExportCancelledError();

    const manifest: ExportManifest = {
      format: 'rollcall-export-manifest/1',
      report: req.report,
      file: path.basename(outFile),
      filters: req.filters,
      generated_at: now().toISOString(),
      rows: progress.rows,
      bytes: progress.bytes,
      sha256: hash.digest('hex'),
      app_version: APP_VERSION,
      schema_version: schemaVersion(db),
      csv: {
        encoding: 'utf-8',
        bom: req.bom,
        delimiter: ',',
        line_end: 'CRLF',
        header: true,
        formula_prefix: "'",
        columns: report.columns.map((c) => c.name),
      },
      event_log: {
        head_seq: head.seq,
        head_hash: head.hash,
        events: head.events,
        chain_check: chain === null ? 'skipped' : chain.ok ? 'passed' : 'failed',
        override: chain !== null && !chain.ok,
        first_break: chain?.firstBreak ?? null,
      },
    };
    fs.writeFileSync(tmpManifest, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    fs.renameSync(tmpCsv, outFile);
    fs.renameSync(tmpManifest, manifestFile);
    return { file: outFile, manifestFile, manifest };
  } catch (err) {
    stopChain.abort();
    for (const f of [tmpCsv, tmpManifest]) fs.rmSync(f, { force: true });
    if (err instanceof VerifyCancelledError) throw new ExportCancelledError();
    throw err;
  } finally {
    stopChain.abort();
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}
