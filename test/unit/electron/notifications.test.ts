import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/contract';
import { alertsRoute, NotificationBatcher, noticesFor, type AlertNotice } from '../../../src/main/electron/notifications';

let nextId = 1;
function alert(over: Partial<Alert> = {}): Alert {
  const id = nextId++;
  return {
    id,
    rule: 'offboarding_gap',
    severity: 'high',
    status: 'open',
    title: `Alert ${id}`,
    personId: null,
    sourceId: null,
    openedAt: '2025-01-01T00:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
    openForMs: 0,
    details: {},
    notes: 0,
    evidence: [],
    ...over,
  };
}

function harness(windowMs = 1000) {
  const shown: AlertNotice[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const batcher = new NotificationBatcher({
    show: (n) => shown.push(n),
    windowMs,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => void ((t as { cleared: boolean }).cleared = true),
  });
  const fire = () => {
    for (const t of timers.splice(0)) if (!t.cleared) t.fn();
  };
  return { batcher, shown, timers, fire };
}

describe('alert notifications', () => {
  it('routes a click to the alert, as a renderer hash route', () => {
    // The renderer's hash-route format (src/renderer/src/store/route.ts): `#/page?query`.
    expect(alertsRoute(42)).toBe('#/alerts?status=open&severity=high&alert=42');
    expect(alertsRoute()).toBe('#/alerts?status=open&severity=high');
  });

  it('gives one notice per alert for a few, one grouped notice for many', () => {
    const few = [alert({ title: 'Ada left Friday, still in Slack' }), alert()];
    expect(noticesFor(few)).toEqual([
      { title: 'High-severity alert', body: 'Ada left Friday, still in Slack', route: alertsRoute(few[0]!.id), alertIds: [few[0]!.id] },
      { title: 'High-severity alert', body: few[1]!.title, route: alertsRoute(few[1]!.id), alertIds: [few[1]!.id] },
    ]);
    const many = Array.from({ length: 7 }, () => alert());
    const [grouped, ...rest] = noticesFor(many);
    expect(rest).toEqual([]);
    expect(grouped).toMatchObject({ title: '7 new high-severity alerts', route: alertsRoute(), alertIds: many.map((a) => a.id) });
    expect(grouped!.body.split('\n')).toEqual([`• ${many[0]!.title}`, `• ${many[1]!.title}`, `• ${many[2]!.title}`, 'and 4 more']);
  });

  it('collects alerts that arrive together, then shows them once', () => {
    const { batcher, shown, timers, fire } = harness(1000);
    const burst = Array.from({ length: 5 }, () => alert());
    batcher.receive({ kind: 'alerts.opened', alerts: burst.slice(0, 2) });
    batcher.receive({ kind: 'alerts.opened', alerts: burst.slice(2) });
    expect(shown).toEqual([]);
    expect(timers.map((t) => t.ms)).toEqual([1000]); // one window, started by the first alert
    fire();
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('5 new high-severity alerts');
    // The same alerts pushed again (a reconnect, a second push) do not notify twice.
    batcher.receive({ kind: 'alerts.opened', alerts: burst });
    fire();
    expect(shown).toHaveLength(1);
  });

  it('ignores other severities, alerts no longer open, and other pushes', () => {
    const { batcher, shown, timers, fire } = harness();
    batcher.receive({
      kind: 'alerts.opened',
      alerts: [alert({ severity: 'medium' }), alert({ severity: 'low' }), alert({ status: 'resolved' })],
    });
    batcher.receive({ kind: 'alerts.changed', openHigh: 3 });
    expect(timers).toEqual([]);
    fire();
    expect(shown).toEqual([]);
    const high = alert();
    batcher.receive({ kind: 'alerts.opened', alerts: [alert({ severity: 'medium' }), high] });
    fire();
    expect(shown.map((n) => n.alertIds)).toEqual([[high.id]]);
  });

  it('drops what is pending on dispose', () => {
    const { batcher, shown, timers } = harness();
    batcher.receive({ kind: 'alerts.opened', alerts: [alert()] });
    batcher.dispose();
    expect(timers[0]!.cleared).toBe(true);
    batcher.flush();
    expect(shown).toEqual([]);
  });
});
