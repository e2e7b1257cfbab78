import { useCallback, useEffect, useRef, useState, type RefObject, type SetStateAction } from 'react';
import { api, useCall, usePush } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ConnectionForm } from '../components/ConnectionForm';
import { CopyButton } from '../components/CopyButton';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import { TokenPanel, type IssuedToken } from '../components/TokenPanel';
import type { CallOutput } from '../../../shared/contract';
import { connectionActionError } from '../lib/connection-form';
import { providerLabel } from '../lib/format';
import {
  ADD_CONNECTION_COMMAND,
  applySyncProgress,
  modeLabel,
  syncProgressFraction,
  syncProgressLabel,
  type SyncProgress,
  type SyncProgressMap,
  type SyncTotals,
} from '../lib/sources';
import { formatRoute } from '../store/route';

type Sources = CallOutput<'listSources'>;
type Connection = Sources['connections'][number];

/** A row action waiting for (or running after) its confirmation. */
interface PendingAction {
  kind: 'rotate' | 'remove';
  connection: Connection;
  busy: boolean;
  error: string | null;
}

/** A token on screen, with a number so a newer one replaces the panel (and takes focus) anew. */
type Shown = IssuedToken & { n: number };

/**
 * useState for a secret. React keeps the previous render's state (and the elements it rendered)
 * in its second fiber buffer until the component renders again, so a secret merely set to null
 * would stay in the page's memory. Every change is therefore followed by one more render, which
 * overwrites that buffer.
 */
function useSecretState<T>(): [T | null, (next: SetStateAction<T | null>) => void] {
  const [state, setState] = useState<{ value: T | null; settled: boolean }>({ value: null, settled: true });
  useEffect(() => {
    // The cascading render is the point: it replaces the buffer that still holds the old secret.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (!state.settled) setState((s) => ({ value: s.value, settled: true }));
  }, [state]);
  const set = useCallback((next: SetStateAction<T | null>) => {
    setState((s) => ({ value: typeof next === 'function' ? (next as (prev: T | null) => T | null)(s.value) : next, settled: false }));
  }, []);
  return [state.value, set];
}

export function SourcesPage() {
  const { data, error, loading, reload } = useCall('listSources', {});
  const [progress, setProgress] = useState<SyncProgressMap>({});
  // The one-time token lives only here (never in the store): it goes with Done or with the page.
  const [shown, setShown] = useSecretState<Shown>();
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [focusConnections, setFocusConnections] = useState(0);
  const connectionsHeading = useRef<HTMLHeadingElement>(null);
  const issuedCount = useRef(0);

  usePush((message) => {
    if (message.kind === 'sources.changed') reload();
    else if (message.kind === 'sync.progress') setProgress((map) => applySyncProgress(map, message));
  });

  // Runs after the dialog has closed (and returned focus to its trigger, which may be about to
  // disappear with its row): focus goes to the list instead.
  useEffect(() => {
    if (focusConnections > 0) connectionsHeading.current?.focus();
  }, [focusConnections]);

  const showToken = (issued: IssuedToken): void => {
    issuedCount.current += 1;
    setShown({ ...issued, n: issuedCount.current });
  };

  const done = (): void => {
    connectionsHeading.current?.focus();
    setShown(null);
  };

  async function confirmPending(): Promise<void> {
    if (!pending || pending.busy) return;
    const { kind, connection } = pending;
    setPending({ ...pending, busy: true, error: null });
    try {
      if (kind === 'rotate') {
        const result = await api.rotateConnectionToken({ id: connection.id });
        setPending(null);
        showToken({ reason: 'rotated', connection: result.connection, token: result.token });
      } else {
        await api.removeConnection({ id: connection.id });
        setPending(null);
        // A token of a removed connection is useless: do not keep showing it.
        setShown((s) => (s && s.connection.id === connection.id ? null : s));
        setAnnouncement(`Removed the connection “${connection.name}”.`);
        setFocusConnections((n) => n + 1);
      }
    } catch (err) {
      setPending((p) => (p ? { ...p, busy: false, error: connectionActionError(err) } : p));
    } finally {
      reload();
    }
  }

  return (
    <section className="page" aria-busy={loading}>
      <PageHeader title="Sources" description="SCIM connections your identity provider pushes to, and directories Rollcall polls." />
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {error ? <ErrorMessage message={error} onRetry={reload} /> : null}
      {!data && loading ? <Loading label="Loading sources…" /> : null}
      {shown ? <TokenPanel key={shown.n} issued={shown} onDone={done} /> : null}
      {data ? (
        <>
          <Connections
            connections={data.connections}
            headingRef={connectionsHeading}
            onAction={(kind, connection) => {
              setAnnouncement('');
              setPending({ kind, connection, busy: false, error: null });
            }}
          />
          <section className="section" aria-labelledby="add-connection-heading">
            <h2 id="add-connection-heading">Add a connection</h2>
            <p className="muted section__intro">
              One connection per app: the identity provider provisions that app’s users and groups into Rollcall through it.
            </p>
            <ConnectionForm
              takenSlugs={data.connections.map((c) => c.slug)}
              onCreated={(result) => {
                showToken({ reason: 'created', connection: result.connection, token: result.token });
                reload();
              }}
            />
          </section>
          <Directories directories={data.directories} progress={progress} />
        </>
      ) : null}
      {pending ? (
        <PendingDialog
          pending={pending}
          onConfirm={() => void confirmPending()}
          onCancel={() => setPending(null)}
          fallbackFocus={() => connectionsHeading.current}
        />
      ) : null}
    </section>
  );
}

function PendingDialog({
  pending,
  onConfirm,
  onCancel,
  fallbackFocus,
}: {
  pending: PendingAction;
  onConfirm(): void;
  onCancel(): void;
  fallbackFocus(): HTMLElement | null;
}) {
  const { connection } = pending;
  const idp = providerLabel(connection.provider);
  return pending.kind === 'rotate' ? (
    <ConfirmDialog
      title={`Rotate the token of “${connection.name}”?`}
      confirmLabel="Rotate token"
      busyLabel="Rotating…"
      busy={pending.busy}
      error={pending.error}
      onConfirm={onConfirm}
      onCancel={onCancel}
      fallbackFocus={fallbackFocus}
    >
      <p>The current token stops working at once. Continue?</p>
      <p className="muted">
        You will get a new token to paste into {idp}; until then, {idp} cannot provision {connection.app}.
      </p>
    </ConfirmDialog>
  ) : (
    <ConfirmDialog
      title={`Remove “${connection.name}”?`}
      confirmLabel="Remove connection"
      busyLabel="Removing…"
      tone="danger"
      busy={pending.busy}
      error={pending.error}
      onConfirm={onConfirm}
      onCancel={onCancel}
      fallbackFocus={fallbackFocus}
    >
      <p>
        The connection “{connection.name}” is removed and its token stops working at once: {idp} can no longer provision {connection.app}{' '}
        into Rollcall.
      </p>
      <p className="muted">Its history is kept: accounts, events and SCIM exchanges stay on the timeline and in the audit trail.</p>
    </ConfirmDialog>
  );
}

function Command({ text }: { text: string }) {
  return (
    <div className="command">
      <code>{text}</code>
      <CopyButton text={text} what="command" />
    </div>
  );
}

function Connections({
  connections,
  headingRef,
  onAction,
}: {
  connections: Sources['connections'];
  headingRef: RefObject<HTMLHeadingElement | null>;
  onAction(kind: PendingAction['kind'], connection: Connection): void;
}) {
  return (
    <section className="section" aria-labelledby="connections-heading">
      <h2 id="connections-heading" ref={headingRef} tabIndex={-1}>
        SCIM connections
      </h2>
      {connections.length === 0 ? (
        <EmptyState title="No SCIM connections yet.">
          <p>
            Add one per app with the form below: you get a SCIM URL and a token to paste into your identity provider’s provisioning settings
            for that app. Its events show up on the <a href={formatRoute('timeline')}>Timeline</a>.
          </p>
          <p>Or from a terminal (with the same --data-dir as the running app, if you set one):</p>
          <Command text={ADD_CONNECTION_COMMAND} />
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">App</th>
                <th scope="col">Provider</th>
                <th scope="col">SCIM URL</th>
                <th scope="col">Mode</th>
                <th scope="col">Last request</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {connections.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    <a href={formatRoute('timeline', { source: c.id })}>{c.name}</a>
                  </th>
                  <td>{c.app}</td>
                  <td>{providerLabel(c.provider)}</td>
                  <td>
                    {c.scimUrl ? (
                      <div className="copyable">
                        <code className="select-all">{c.scimUrl}</code>
                        <CopyButton text={c.scimUrl} what={`SCIM URL of ${c.name}`} />
                      </div>
                    ) : (
                      <span className="muted">SCIM listener not running</span>
                    )}
                  </td>
                  <td>{modeLabel(c.mode)}</td>
                  <td className="nowrap">
                    {c.lastRequestAt ? <Time iso={c.lastRequestAt} relative /> : <span className="muted">Never</span>}
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="button button--small" onClick={() => onAction('rotate', c)}>
                        Rotate token<span className="visually-hidden"> of {c.name}</span>
                      </button>
                      <button type="button" className="button button--small button--danger-quiet" onClick={() => onAction('remove', c)}>
                        Remove<span className="visually-hidden"> {c.name}</span>
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SyncBar({ progress, previous }: { progress: SyncProgress; previous: SyncTotals | null }) {
  const fraction = syncProgressFraction(progress, previous);
  const label = syncProgressLabel(progress);
  return (
    <div className="sync">
      {fraction === null ? <progress aria-label={label} /> : <progress aria-label={label} value={fraction} max={1} />}
      <span className="small">{label}</span>
    </div>
  );
}

function Directories({ directories, progress }: { directories: Sources['directories']; progress: SyncProgressMap }) {
  return (
    <section className="section" aria-labelledby="directories-heading">
      <h2 id="directories-heading">Directories</h2>
      {directories.length === 0 ? (
        <EmptyState title="No directories yet.">
          <p>
            Polling an identity provider’s admin API (Okta, Entra ID, Google Workspace) for users, groups and memberships is not available
            in this version yet. SCIM connections above work today.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Provider</th>
                <th scope="col">Added</th>
                <th scope="col">Last sync</th>
              </tr>
            </thead>
            <tbody>
              {directories.map((d) => {
                const p = progress[d.id];
                return (
                  <tr key={d.id}>
                    <th scope="row">
                      <a href={formatRoute('timeline', { source: d.id })}>{d.name}</a>
                    </th>
                    <td>{providerLabel(d.provider)}</td>
                    <td className="nowrap">
                      <Time iso={d.createdAt} />
                    </td>
                    <td className="nowrap">
                      {p ? (
                        <SyncBar progress={p} previous={d.lastSync?.status === 'ok' ? d.lastSync : null} />
                      ) : d.lastSyncAt ? (
                        <Time iso={d.lastSyncAt} relative />
                      ) : (
                        <span className="muted">Never</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
