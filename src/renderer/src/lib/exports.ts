/**
 * Export dialog logic (issue #8), pure: the form's state to a startExport request, and the labels.
 */
import type { ExportRequest, ReportName } from '../../../shared/exports-contract';
import { REPORT_FILTERS } from '../../../shared/exports-contract';

export const REPORT_LABELS: Record<ReportName, string> = {
  events: 'Event log (every event)',
  offboarding: 'Offboarding evidence (leavers per app)',
  'access-changes': 'Access changes (roles and groups)',
  seats: 'Seats per day, app and role',
};

export interface ExportForm {
  report: ReportName;
  /** YYYY-MM-DD, inclusive (UTC days). */
  fromDay: string;
  toDay: string;
  sourceId: string;
  personId: string;
  bom: boolean;
  allowBrokenChain: boolean;
}

export interface ExportPreset {
  report: ReportName;
  filters?: { from?: string; to?: string; sourceId?: string; personId?: number };
}

const DAY = 86_400_000;
const dayOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The form a preset (or nothing) opens with: the last 30 days by default. */
export function initialForm(preset: ExportPreset | undefined, now: Date): ExportForm {
  const to = preset?.filters?.to ? Date.parse(preset.filters.to) - 1 : now.getTime();
  const from = preset?.filters?.from ? Date.parse(preset.filters.from) : to - 29 * DAY;
  return {
    report: preset?.report ?? 'events',
    fromDay: dayOf(from),
    toDay: dayOf(to),
    sourceId: preset?.filters?.sourceId ?? '',
    personId: preset?.filters?.personId !== undefined ? String(preset.filters.personId) : '',
    bom: false,
    allowBrokenChain: false,
  };
}

/** The request for a form, or the reason it cannot be sent. */
export function requestOf(form: ExportForm): { request: ExportRequest } | { error: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.fromDay) || !/^\d{4}-\d{2}-\d{2}$/.test(form.toDay))
    return { error: 'Choose both days of the range.' };
  if (form.fromDay > form.toDay) return { error: 'The range starts after it ends.' };
  const allowed = REPORT_FILTERS[form.report];
  const filters: NonNullable<ExportRequest['filters']> = {
    from: `${form.fromDay}T00:00:00.000Z`,
    // the last day is included: the range ends at the next midnight (UTC)
    to: new Date(Date.parse(`${form.toDay}T00:00:00.000Z`) + DAY).toISOString(),
  };
  if (form.sourceId && allowed.includes('sourceId')) filters.sourceId = form.sourceId;
  if (form.personId.trim() && allowed.includes('personId')) {
    if (!/^\d+$/.test(form.personId.trim())) return { error: 'A person is chosen by their id (a number).' };
    filters.personId = Number(form.personId.trim());
  }
  return { request: { report: form.report, filters, bom: form.bom, allowBrokenChain: form.allowBrokenChain } };
}

/** An export the dialog follows: what startExport answered, then what the core said since. */
export interface ExportRun {
  exportId: string;
  fileName: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  rows: number;
  chainChecked: number;
  chainTotal: number;
  error: string | null;
}

/**
 * A state report (an `export.progress` push, or getExport's answer) applied to the run it is about.
 * Reports about another export change nothing, and a finished run never goes back to running: a
 * small export can finish — and its last push arrive — before startExport's answer does, so the
 * dialog asks getExport once it knows the id, and whichever of the two comes last must not undo
 * the other.
 */
export function applyExportState(
  run: ExportRun | null,
  report: { exportId: string; state: ExportRun['state']; rows: number; error: string | null; chainChecked?: number; chainTotal?: number },
): ExportRun | null {
  if (!run || run.exportId !== report.exportId) return run;
  if (run.state !== 'running') return run;
  return {
    ...run,
    state: report.state,
    rows: Math.max(run.rows, report.rows),
    chainChecked: report.chainChecked ?? run.chainChecked,
    chainTotal: report.chainTotal ?? run.chainTotal,
    error: report.error,
  };
}
