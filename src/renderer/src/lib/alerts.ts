/** Shaping of the alert list. Pure. */
import type { Alert } from '../../../shared/contract';

export type Severity = Alert['severity'];

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** The rule id as words: "offboarding_gap" → "Offboarding gap". */
export function ruleLabel(rule: string): string {
  const words = rule.replace(/[._-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : rule;
}
