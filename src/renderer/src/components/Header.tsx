import { useState, useSyncExternalStore } from 'react';
import { useCall, usePush } from '../api';
import { formatCount } from '../lib/format';
import { formatRoute } from '../store/route';
import { getStreamState, onStreamState, type StreamState } from '../transport';
import { ExportButton } from './ExportDialog';

const STREAM_LABELS: Record<StreamState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Not signed in',
  closed: 'Offline',
};

/** Whether pushed updates arrive (browser only: the Electron bridge has no connection to lose). */
function StreamIndicator() {
  const state = useSyncExternalStore(onStreamState, getStreamState);
  if (state === null) return null;
  return (
    <span className={`stream-state stream-state--${state}`} title="Live updates from the Rollcall server">
      <span className="stream-state__dot" aria-hidden="true" />
      {STREAM_LABELS[state]}
    </span>
  );
}

/** The open high-severity alert count: from getDashboard, then kept current by `alerts.changed`. */
function HighAlertBadge() {
  const { data, error } = useCall('getDashboard', {});
  const [pushed, setPushed] = useState<number | null>(null);
  usePush((message) => {
    if (message.kind === 'alerts.changed') setPushed(message.openHigh);
  });
  const count = pushed ?? data?.openAlerts.high ?? null;
  const href = formatRoute('alerts', { status: 'open', severity: 'high' });
  if (count === null) {
    return (
      <span className="alert-badge alert-badge--pending" title={error ?? undefined}>
        {error ? 'Alerts unavailable' : 'Loading alerts…'}
      </span>
    );
  }
  return (
    <a
      href={href}
      className={count > 0 ? 'alert-badge alert-badge--danger' : 'alert-badge'}
      data-testid="open-high-alerts"
      aria-live="polite"
    >
      <span className="alert-badge__count">{formatCount(count)}</span>
      <span>open high-severity {count === 1 ? 'alert' : 'alerts'}</span>
    </a>
  );
}

export function Header({ onSkip }: { onSkip: () => void }) {
  return (
    <header className="app-header">
      <button type="button" className="skip-link" onClick={onSkip}>
        Skip to content
      </button>
      <a href={formatRoute('dashboard')} className="brand">
        <span className="brand__mark" aria-hidden="true">
          R
        </span>
        Rollcall
      </a>
      <div className="app-header__status">
        {/* Exports (issue #8) */}
        <ExportButton report="events" />
        <StreamIndicator />
        <HighAlertBadge />
      </div>
    </header>
  );
}
