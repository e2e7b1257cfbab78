/**
 * Exports started from the UI (the startExport / cancelExport / getExport / verifyEventLog calls):
 * each runs in the background into its own folder under `<data folder>/exports/<id>/`, reporting
 * on the push stream; the browser then downloads the file over the dashboard API
 * (GET /api/exports/<id>/file, token required) and the desktop app copies it where the user's
 * save dialog says. Finished exports older than a day are removed when a new one starts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PushMessage } from '../../../shared/contract';
import type { ExportManifest, ExportRequest, VerifyResult } from '../../../shared/exports-contract';
import { ConflictError, InvalidInputError, NotFoundError } from '../dispatch';
import { ExportCancelledError, ExportInputError, resolveRequest, runExport } from './export';
import { verifyOnWorker } from './verify-worker';

type State = 'running' | 'done' | 'failed' | 'cancelled';

interface Job {
  id: string;
  dir: string;
  fileName: string;
  state: State;
  rows: number;
  error: string | null;
  manifest: ExportManifest | null;
  controller: AbortController;
  finished: Promise<void>;
  startedAt: number;
}

const ID = /^[0-9a-f]{24}$/;
const KEEP_MS = 24 * 3_600_000;

export class ExportService {
  private readonly jobs = new Map<string, Job>();
  private verifying: Promise<VerifyResult> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly push: (m: PushMessage) => void,
    private readonly now: () => Date,
    private readonly log: (m: string) => void,
  ) {}

  private get root(): string {
    return path.join(this.dataDir, 'exports');
  }

  start(request: ExportRequest): { exportId: string; fileName: string } {
    let resolved;
    try {
      resolved = resolveRequest(request, this.now());
    } catch (err) {
      if (err instanceof ExportInputError) throw new InvalidInputError(err.message, [{ path: 'filters', message: err.message }]);
      throw err;
    }
    this.sweep();
    const id = randomBytes(12).toString('hex');
    const dir = path.join(this.root, id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const day = (iso: string) => iso.slice(0, 10);
    const fileName = `rollcall-${resolved.report}-${day(resolved.filters.from)}-to-${day(new Date(Date.parse(resolved.filters.to) - 1).toISOString())}.csv`;
    const controller = new AbortController();
    const job: Job = {
      id,
      dir,
      fileName,
      state: 'running',
      rows: 0,
      error: null,
      manifest: null,
      controller,
      startedAt: Date.now(),
      finished: Promise.resolve(),
    };
    this.jobs.set(id, job);
    let last = 0;
    const report = (p: { rows: number; bytes: number; chainChecked: number; chainTotal: number }, force = false) => {
      job.rows = p.rows;
      const t = Date.now();
      if (!force && t - last < 200) return;
      last = t;
      this.push({ kind: 'export.progress', exportId: id, state: job.state, ...p, error: job.error });
    };
    let latest = { rows: 0, bytes: 0, chainChecked: 0, chainTotal: 0 };
    job.finished = runExport({
      dataDir: this.dataDir,
      outFile: path.join(dir, fileName),
      // the range resolved once (its defaults are "now"): the file name and the manifest agree
      request: { ...request, filters: resolved.filters },
      signal: controller.signal,
      now: this.now,
      onProgress: (p) => {
        latest = p;
        report(p);
      },
    }).then(
      (r) => {
        job.state = 'done';
        job.manifest = r.manifest;
        report({ ...latest, rows: r.manifest.rows, bytes: r.manifest.bytes }, true);
      },
      (err: unknown) => {
        job.state = err instanceof ExportCancelledError ? 'cancelled' : 'failed';
        job.error = err instanceof Error ? err.message : String(err);
        if (job.state === 'failed' && !(err instanceof Error && /hash chain is broken/.test(err.message)))
          this.log(`rollcall: export ${id} failed: ${job.error}`);
        fs.rmSync(dir, { recursive: true, force: true });
        report(latest, true);
      },
    );
    return { exportId: id, fileName };
  }

  private job(id: string): Job {
    const job = ID.test(id) ? this.jobs.get(id) : undefined;
    if (!job) throw new NotFoundError(`Export ${id} not found`);
    return job;
  }

  cancel(id: string): { cancelled: boolean } {
    const job = this.job(id);
    if (job.state !== 'running') return { cancelled: false };
    job.controller.abort();
    return { cancelled: true };
  }

  get(id: string) {
    const j = this.job(id);
    return { exportId: j.id, state: j.state, fileName: j.fileName, rows: j.rows, error: j.error, manifest: j.manifest };
  }

  /** The finished files of an export (for the download route and the desktop save dialog). */
  files(id: string): { csv: string; manifest: string; fileName: string } {
    const j = this.job(id);
    if (j.state !== 'done') throw new ConflictError(`Export ${id} is ${j.state}, not finished`);
    const csv = path.join(j.dir, j.fileName);
    return { csv, manifest: `${csv}.manifest.json`, fileName: j.fileName };
  }

  /** The chain check and quick_check on a worker thread; one at a time (a second caller shares it). */
  verify(): Promise<VerifyResult> {
    this.verifying ??= verifyOnWorker({
      dataDir: this.dataDir,
      integrity: true,
      onProgress: (checked, total) => this.push({ kind: 'verify.progress', checked, total }),
    })
      .then(({ chain, integrity }) => ({
        ok: chain.ok && (integrity?.ok ?? true),
        chain,
        integrity: integrity ?? { ok: true, messages: [], ms: 0 },
      }))
      .finally(() => {
        this.verifying = null;
      });
    return this.verifying;
  }

  /** Removes finished exports older than a day (and folders no job knows, from earlier runs). */
  private sweep(): void {
    const cutoff = Date.now() - KEEP_MS;
    for (const [id, j] of this.jobs) {
      if (j.state !== 'running' && j.startedAt < cutoff) {
        fs.rmSync(j.dir, { recursive: true, force: true });
        this.jobs.delete(id);
      }
    }
    if (!fs.existsSync(this.root)) return;
    for (const name of fs.readdirSync(this.root)) {
      if (this.jobs.has(name)) continue;
      const full = path.join(this.root, name);
      try {
        if (fs.statSync(full).mtimeMs < cutoff) fs.rmSync(full, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  async close(): Promise<void> {
    for (const j of this.jobs.values()) j.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.finished));
  }
}
