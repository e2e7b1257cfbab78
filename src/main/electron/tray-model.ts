/**
 * What the tray shows, as plain data: tooltip, macOS title and menu entries, from the shell's
 * state. Pure (no `electron` import) and unit-tested; tray.ts turns it into a real Tray and Menu.
 */
import type { PushMessage } from '../../shared/contract';

export interface TrayState {
  /** Open high-severity alerts; null until the core has answered. */
  readonly openHigh: number | null;
  /** The SCIM listener (relay) and pollers are paused from the tray. */
  readonly paused: boolean;
  /** Where the SCIM listener answers, or null when it is not listening. */
  readonly scimOrigin: string | null;
  /** Why the SCIM listener is not running (e.g. the port is taken), if it is not. */
  readonly listenerError: string | null;
}

export const INITIAL_TRAY_STATE: TrayState = { openHigh: null, paused: false, scimOrigin: null, listenerError: null };

export type TrayAction = 'open' | 'pause' | 'resume' | 'quit';

export type TrayEntry =
  | { readonly kind: 'info'; readonly label: string }
  | { readonly kind: 'separator' }
  | { readonly kind: 'action'; readonly action: TrayAction; readonly label: string };

export interface TrayView {
  readonly tooltip: string;
  /** Text beside the icon in the macOS menu bar ('' when there is nothing to count). */
  readonly title: string;
  readonly entries: readonly TrayEntry[];
}

export function alertCountLabel(openHigh: number | null): string {
  if (openHigh === null) return 'Open alerts: loading…';
  if (openHigh === 0) return 'No open high-severity alerts';
  return `${openHigh} open high-severity alert${openHigh === 1 ? '' : 's'}`;
}

function listenerLabel(state: TrayState): string {
  if (state.paused) return 'Relay and pollers paused';
  if (state.listenerError) return `SCIM listener stopped: ${state.listenerError}`;
  if (state.scimOrigin) return `SCIM listening on ${state.scimOrigin}`;
  return 'SCIM listener starting…';
}

export function trayView(state: TrayState): TrayView {
  const count = alertCountLabel(state.openHigh);
  const status = listenerLabel(state);
  return {
    tooltip: `Rollcall — ${count}${state.paused ? ' (paused)' : ''}`,
    title: state.openHigh ? (state.openHigh > 99 ? '99+' : String(state.openHigh)) : '',
    entries: [
      { kind: 'info', label: count },
      { kind: 'info', label: status },
      { kind: 'separator' },
      { kind: 'action', action: 'open', label: 'Open Rollcall' },
      state.paused
        ? { kind: 'action', action: 'resume', label: 'Resume relay and pollers' }
        : { kind: 'action', action: 'pause', label: 'Pause relay and pollers' },
      { kind: 'separator' },
      { kind: 'action', action: 'quit', label: 'Quit Rollcall' },
    ],
  };
}

/** The tray's alert count after a push message (only `alerts.changed` carries the count). */
export function applyPush(state: TrayState, message: PushMessage): TrayState {
  if (message.kind === 'alerts.changed' && message.openHigh !== state.openHigh) return { ...state, openHigh: message.openHigh };
  return state;
}
