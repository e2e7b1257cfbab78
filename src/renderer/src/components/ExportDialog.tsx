/**
 * The export dialog (issue #8): report, range, filters, BOM, a progress bar, and where the file
 * went. Opened from the header's "Export…" button, or preset by an ExportButton on a page.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { REPORTS, REPORT_FILTERS } from '../../../shared/exports-contract';
import { api, useCall, usePush } from '../api';
import { errorMessage } from '../lib/errors';
import { downloadExport, isDesktop } from '../lib/export-download';
import {
  applyExportState,
  initialForm,
  REPORT_LABELS,
  requestOf,
  type ExportForm,
  type ExportPreset,
  type ExportRun,
} from '../lib/exports';
import { formatCount } from '../lib/format';
import { BusyButton } from './BusyButton';
import './exports.css';

export function ExportDialog({ preset, onClose }: { preset?: ExportPreset; onClose(): void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const firstRef = useRef<HTMLSelectElement>(null);
  const id = useId();
  const [form, setForm] = useState<ExportForm>(() => initialForm(preset, new Date()));
  const [run, setRun] = useState<ExportRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const sources = useCall('listSources', {});
  const running = run?.state === 'running';

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    const trigger = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    firstRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (trigger?.isConnected) trigger.focus();
    };
  }, []);

  usePush((m) => {
    if (m.kind !== 'export.progress') return;
    setRun((r) => applyExportState(r, m));
  });

  // When it is done: the browser downloads at once; the desktop app asks where to save.
  const doneId = run?.state === 'done' ? run.exportId : null;
  useEffect(() => {
    if (!doneId || !run) return;
    downloadExport(doneId, 'file', run.fileName).then(setSaved, (err: unknown) => setError(errorMessage(err)));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per finished export
  }, [doneId]);

  const set = <K extends keyof ExportForm>(key: K, value: ExportForm[K]): void => setForm((f) => ({ ...f, [key]: value }));
  const allowed = REPORT_FILTERS[form.report];

  async function start(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const r = requestOf(form);
    if ('error' in r) {
      setError(r.error);
      return;
    }
    setStarting(true);
    try {
      const started = await api.startExport(r.request);
      setRun({ ...started, state: 'running', rows: 0, chainChecked: 0, chainTotal: 0, error: null });
      // A small export may have finished, its last push gone by, before this answer came.
      const now = await api.getExport({ exportId: started.exportId });
      setRun((cur) => applyExportState(cur, now));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }

  async function cancel(): Promise<void> {
    if (run && running) {
      try {
        await api.cancelExport({ exportId: run.exportId });
      } catch (err) {
        setError(errorMessage(err));
      }
      return;
    }
    onClose();
  }

  const chainPct = run && run.chainTotal > 0 ? Math.round((run.chainChecked / run.chainTotal) * 100) : null;
  return (
    <dialog
      ref={dialogRef}
      className="export-dialog"
      aria-labelledby={`${id}-title`}
      data-testid="export-dialog"
      onCancel={(e) => {
        e.preventDefault();
        if (!running) onClose();
      }}
    >
      <h2 id={`${id}-title`} className="export-dialog__title">
        Export a compliance report
      </h2>
      <form className="export-dialog__form" onSubmit={(e) => void start(e)}>
        <label className="field">
          <span className="field__label">Report</span>
          <select
            ref={firstRef}
            value={form.report}
            disabled={running}
            onChange={(e) => set('report', e.target.value as ExportForm['report'])}
          >
            {REPORTS.map((r) => (
              <option key={r} value={r}>
                {REPORT_LABELS[r]}
              </option>
            ))}
          </select>
        </label>
        <div className="export-dialog__range">
          <label className="field">
            <span className="field__label">From (UTC day)</span>
            <input type="date" value={form.fromDay} disabled={running} onChange={(e) => set('fromDay', e.target.value)} required />
          </label>
          <label className="field">
            <span className="field__label">To (UTC day, included)</span>
            <input type="date" value={form.toDay} disabled={running} onChange={(e) => set('toDay', e.target.value)} required />
          </label>
        </div>
        <label className="field">
          <span className="field__label">App or directory</span>
          <select value={form.sourceId} disabled={running} onChange={(e) => set('sourceId', e.target.value)}>
            <option value="">All</option>
            {(sources.data?.connections ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.app}
              </option>
            ))}
            {allowed.includes('personId')
              ? (sources.data?.directories ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} (directory)
                  </option>
                ))
              : null}
          </select>
        </label>
        {allowed.includes('personId') ? (
          <label className="field">
            <span className="field__label">Person id (optional)</span>
            <input inputMode="numeric" value={form.personId} disabled={running} onChange={(e) => set('personId', e.target.value)} />
          </label>
        ) : null}
        <label className="checkbox">
          <input type="checkbox" checked={form.bom} disabled={running} onChange={(e) => set('bom', e.target.checked)} />
          Add a byte-order mark (Excel on Windows opens UTF-8 correctly)
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.allowBrokenChain}
            disabled={running}
            onChange={(e) => set('allowBrokenChain', e.target.checked)}
          />
          Export even if the event log fails verification (the manifest records it)
        </label>
        <p className="field-note small">
          Save location: {isDesktop() ? 'you choose it when the file is ready.' : "your browser's downloads folder."} A manifest (row count,
          SHA-256, the event log's chain head) comes with it.
        </p>
        {run ? (
          <div className="export-dialog__progress" role="status" aria-live="polite">
            <progress
              aria-label="Export progress"
              data-testid="export-progress"
              max={100}
              value={run.state === 'done' ? 100 : (chainPct ?? undefined)}
            />
            <span>
              {run.state === 'running'
                ? `Writing… ${formatCount(run.rows)} rows${chainPct !== null ? `, event log ${chainPct}% verified` : ''}`
                : run.state === 'done'
                  ? `Done: ${formatCount(run.rows)} rows in ${run.fileName}`
                  : run.state === 'cancelled'
                    ? 'Cancelled; nothing was saved.'
                    : 'The export failed.'}
            </span>
          </div>
        ) : null}
        {run?.state === 'failed' && run.error ? (
          <p className="inline-error" role="alert">
            {run.error}
          </p>
        ) : null}
        {error ? (
          <p className="inline-error" role="alert">
            {error}
          </p>
        ) : null}
        {saved ? (
          <p className="field-note settings-saved" data-testid="export-saved">
            {saved}
          </p>
        ) : null}
        <div className="export-dialog__actions">
          {run?.state === 'done' ? (
            <button
              type="button"
              className="button"
              onClick={() =>
                void downloadExport(run.exportId, 'manifest', run.fileName).then(setSaved, (err: unknown) => setError(errorMessage(err)))
              }
            >
              Save manifest
            </button>
          ) : null}
          <button type="button" className="button" onClick={() => void cancel()}>
            {running ? 'Cancel export' : 'Close'}
          </button>
          <BusyButton type="submit" className="button button--primary" busy={starting || running} busyLabel="Exporting…">
            {run?.state === 'done' ? 'Export again' : 'Export'}
          </BusyButton>
        </div>
      </form>
    </dialog>
  );
}

/** A button that opens the export dialog preset for a page (e.g. the Audit page's filters). */
export function ExportButton({ report, filters, label = 'Export…' }: ExportPreset & { label?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid={`export-button-${report}`}>
        {label}
      </button>
      {open ? <ExportDialog preset={{ report, filters }} onClose={() => setOpen(false)} /> : null}
    </>
  );
}
