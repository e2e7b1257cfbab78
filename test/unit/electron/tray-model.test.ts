import { describe, expect, it } from 'vitest';
import { applyPush, INITIAL_TRAY_STATE, trayView, type TrayEntry } from '../../../src/main/electron/tray-model';

const actions = (entries: readonly TrayEntry[]) => entries.flatMap((e) => (e.kind === 'action' ? [e.action] : []));

describe('tray model', () => {
  it('shows the open high-severity count in the tooltip, title and menu', () => {
    const loading = trayView(INITIAL_TRAY_STATE);
    expect(loading.title).toBe('');
    expect(loading.entries[0]).toEqual({ kind: 'info', label: 'Open alerts: loading…' });
    const three = trayView({ ...INITIAL_TRAY_STATE, openHigh: 3, scimOrigin: 'http://127.0.0.1:8610' });
    expect(three.tooltip).toBe('Rollcall — 3 open high-severity alerts');
    expect(three.title).toBe('3');
    expect(three.entries.slice(0, 2)).toEqual([
      { kind: 'info', label: '3 open high-severity alerts' },
      { kind: 'info', label: 'SCIM listening on http://127.0.0.1:8610' },
    ]);
    expect(trayView({ ...INITIAL_TRAY_STATE, openHigh: 1 }).entries[0]).toEqual({ kind: 'info', label: '1 open high-severity alert' });
    expect(trayView({ ...INITIAL_TRAY_STATE, openHigh: 0 }).title).toBe('');
    expect(trayView({ ...INITIAL_TRAY_STATE, openHigh: 1234 }).title).toBe('99+');
  });

  it('offers open, pause or resume, and quit', () => {
    expect(actions(trayView(INITIAL_TRAY_STATE).entries)).toEqual(['open', 'pause', 'quit']);
    const paused = trayView({ ...INITIAL_TRAY_STATE, paused: true, openHigh: 2 });
    expect(actions(paused.entries)).toEqual(['open', 'resume', 'quit']);
    expect(paused.tooltip).toMatch(/\(paused\)$/);
    expect(paused.entries[1]).toEqual({ kind: 'info', label: 'Relay and pollers paused' });
    const broken = trayView({ ...INITIAL_TRAY_STATE, listenerError: '127.0.0.1:8610 is already in use' });
    expect(broken.entries[1]).toEqual({ kind: 'info', label: 'SCIM listener stopped: 127.0.0.1:8610 is already in use' });
  });

  it('follows alerts.changed and ignores other pushes', () => {
    const s1 = applyPush(INITIAL_TRAY_STATE, { kind: 'alerts.changed', openHigh: 4 });
    expect(s1.openHigh).toBe(4);
    expect(applyPush(s1, { kind: 'sources.changed' })).toBe(s1);
    expect(applyPush(s1, { kind: 'alerts.changed', openHigh: 4 })).toBe(s1);
  });
});
