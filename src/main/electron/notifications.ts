/**
 * Which native notifications to show for newly opened alerts. Pure and unit-tested: the shell
 * (index.ts) only turns each `AlertNotice` into an Electron Notification and, on click, shows
 * the window at the notice's route.
 *
 * - only open high-severity alerts notify, each alert id at most once;
 * - alerts arriving within `windowMs` of the first are collected; up to `maxSingle` of them get
 *   one notification each, more get a single grouped notification (a burst, e.g. a whole
 *   department offboarded at once, must not bury the desktop in notifications).
 */
import type { Alert, PushMessage } from '../../shared/contract';

export interface AlertNotice {
  readonly title: string;
  readonly body: string;
  /** Hash route of the renderer to show on click. */
  readonly route: string;
  readonly alertIds: readonly number[];
}

/** `#/alerts?…` for one alert, or for all open high-severity ones (a grouped notice). */
export function alertsRoute(alertId?: number): string {
  const q = new URLSearchParams({ status: 'open', severity: 'high' });
  if (alertId !== undefined) q.set('alert', String(alertId));
  return `#/alerts?${q.toString()}`;
}

export function noticesFor(alerts: readonly Alert[], maxSingle = 3): AlertNotice[] {
  if (alerts.length === 0) return [];
  if (alerts.length <= maxSingle) {
    return alerts.map((a) => ({
      title: 'High-severity alert',
      body: a.title,
      route: alertsRoute(a.id),
      alertIds: [a.id],
    }));
  }
  const shown = alerts.slice(0, 3).map((a) => `• ${a.title}`);
  const rest = alerts.length - shown.length;
  return [
    {
      title: `${alerts.length} new high-severity alerts`,
      body: [...shown, `and ${rest} more`].join('\n'),
      route: alertsRoute(),
      alertIds: alerts.map((a) => a.id),
    },
  ];
}

export interface BatcherOptions {
  show(notice: AlertNotice): void;
  windowMs?: number;
  maxSingle?: number;
  /** Timer seam for tests (defaults to setTimeout/clearTimeout). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

const REMEMBERED_IDS = 10_000;

export class NotificationBatcher {
  private readonly pending: Alert[] = [];
  private readonly seen = new Set<number>();
  private timer: unknown = null;

  constructor(private readonly options: BatcherOptions) {}

  /** Feed every push message here; only `alerts.opened` matters. */
  receive(message: PushMessage): void {
    if (message.kind !== 'alerts.opened') return;
    for (const alert of message.alerts) {
      if (alert.severity !== 'high' || alert.status !== 'open' || this.seen.has(alert.id)) continue;
      this.remember(alert.id);
      this.pending.push(alert);
    }
    if (this.pending.length > 0 && this.timer === null) {
      const set = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
      this.timer = set(() => this.flush(), this.options.windowMs ?? 1500);
    }
  }

  /** Shows what is pending now (also called by the timer). */
  flush(): void {
    if (this.timer !== null) (this.options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    for (const notice of noticesFor(batch, this.options.maxSingle)) this.options.show(notice);
  }

  dispose(): void {
    if (this.timer !== null) (this.options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.timer);
    this.timer = null;
    this.pending.length = 0;
  }

  private remember(id: number): void {
    this.seen.add(id);
    if (this.seen.size > REMEMBERED_IDS) {
      // Sets iterate in insertion order: forget the oldest.
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
