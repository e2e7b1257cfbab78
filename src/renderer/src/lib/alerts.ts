/** Shaping of the alert list. Pure. */
import type { Alert } from '../../../shared/contract';

export type Severity = Alert['severity'];
export type AlertStatus = Alert['status'];

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

/** Client-side severity filter (listAlerts filters by status only). */
export function filterAlerts(alerts: readonly Alert[], filter: { severity?: Severity }): readonly Alert[] {
  if (!filter.severity) return alerts;
  return alerts.filter((a) => a.severity === filter.severity);
}

/** Counts per severity, always with all three keys. */
export function countBySeverity(alerts: readonly Alert[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const a of alerts) counts[a.severity]++;
  return counts;
}

/** The rule id as words: "offboarding_gap" → "Offboarding gap". */
export function ruleLabel(rule: string): string {
  const words = rule.replace(/[._-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : rule;
}

/** When the alert last changed state: resolved, else acknowledged, else opened. */
export function lastChange(alert: Alert): { label: string; at: string } {
  if (alert.resolvedAt) return { label: 'Resolved', at: alert.resolvedAt };
  if (alert.acknowledgedAt) return { label: 'Acknowledged', at: alert.acknowledgedAt };
  return { label: 'Opened', at: alert.openedAt };
}
