import { useEffect, useRef, useState, type RefObject } from 'react';
import { api, useCall, usePush } from '../api';
import { BusyButton } from '../components/BusyButton';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ConnectionForm } from '../components/ConnectionForm';
import { CopyButton } from '../components/CopyButton';
import { DirectoryForm } from '../components/DirectoryForm';
import { DirectoryList } from '../components/DirectoryList';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import { TokenPanel, type IssuedToken } from '../components/TokenPanel';
import type { CallOutput } from '../../../shared/contract';
import { useSecretState } from '../hooks';
import { connectionActionError, testConnectionErrorNote, testConnectionNote, type TestNote } from '../lib/connection-form';
import { directoryActionError } from '../lib/directory-form';
import { providerLabel } from '../lib/format';
import {
  ADD_CONNECTION_COMMAND,
  ADD_DIRECTORY_COMMAND,
  applySyncProgress,
  isSyncFinished,
  connectionModeView,
  syncFinishedAnnouncement,
  type Directory,
  type SyncProgressMap,
} from '../lib/sources';
import { formatRoute } from '../store/route';
import { SourceErrors } from '../components/SourceErrors';
import { useAppStore } from '../store/hooks';
import { selectParam } from '../store';

type Sources = CallOutput<'listSources'>;
type Connection = Sources['connections'][number];

/** A row action waiting for (or running after) its confirmation. */
type PendingAction = ({ kind: 'rotate' | 'remove'; connection: Connection } | { kind: 'remove-directory'; directory: Directory }) & {
  busy: boolean;
  error: string | null;
};

type ConnectionAction = 'rotate' | 'remove';

/** A token on screen, with a number so a newer one replaces the panel (and takes focus) anew. */
type Shown = IssuedToken & { n: number };

export function SourcesPage() {
  const { data, error, loading, reload } = useCall('listSources', {});
  const sourceParam = useAppStore(selectParam('source'));
  const [progress, setProgress] = useState<SyncProgressMap>({});
  // The sync this page started, per directory, until the list shows it (bridges the gap before
  // the first progress message).
  const [requested, setRequested] = useState<Readonly<Record<string, number>>>({});
  // The one-time token lives only here (never in the store): it goes with Done or with the page.
  const [shown, setShown] = useSecretState<Shown>();
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [focusTarget, setFocusTarget] = useState<{ list: 'connections' | 'directories'; n: number }>({ list: 'connections', n: 0 });
  const connectionsHeading = useRef<HTMLHeadingElement>(null);
  const directoriesHeading = useRef<HTMLHeadingElement>(null);
  const issuedCount = useRef(0);

  usePush((message) => {
    if (message.kind === 'sources.changed') reload();
    else if (message.kind === 'sync.progress') {
      setProgress((map) => applySyncProgress(map, message));
      if (isSyncFinished(message)) {
        const directory = data?.directories.find((d) => d.id === message.directoryId);
        const said = directory ? syncFinishedAnnouncement(directory.name, message) : null;
        if (said) setAnnouncement(said);
      }
    }
  });

  // Runs after the dialog has closed (and returned focus to its trigger, which may be about to
  // disappear with its row): focus goes to the list instead.
  useEffect(() => {
    if (focusTarget.n === 0) return;
    (focusTarget.list === 'directories' ? directoriesHeading : connectionsHeading).current?.focus();
  }, [focusTarget]);

  const showToken = (issued: IssuedToken): void => {
    issuedCount.current += 1;
    setShown({ ...issued, n: issuedCount.current });
  };

  const done = (): void => {
    connectionsHeading.current?.focus();
    setShown(null);
  };

  const focusList = (list: 'connections' | 'directories'): void => setFocusTarget((f) => ({ list, n: f.n + 1 }));

  async function confirmPending(): Promise<void> {
    if (!pending || pending.busy) return;
    setPending({ ...pending, busy: true, error: null });
    try {
      if (pending.kind === 'remove-directory') {
        const { directory } = pending;
        await api.removeDirectory({ id: directory.id });
        setPending(null);
        setAnnouncement(`Removed the directory “${directory.name}”.`);
        focusList('directories');
      } else if (pending.kind === 'rotate') {
        const { connection } = pending;
        const result = await api.rotateConnectionToken({ id: connection.id });
        setPending(null);
        showToken({ reason: 'rotated', connection: result.connection, token: result.token });
      } else {
        const { connection } = pending;
        await api.removeConnection({ id: connection.id });
        setPending(null);
        // A token of a removed connection is useless: do not keep showing it.
        setShown((s) => (s && s.connection.id === connection.id ? null : s));
        setAnnouncement(`Removed the connection “${connection.name}”.`);
        focusList('connections');
      }
    } catch (err) {
      const message = pending.kind === 'remove-directory' ? directoryActionError(err) : connectionActionError(err);
      setPending((p) => (p ? { ...p, busy: false, error: message } : p));
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
      <SourceErrors sourceId={sourceParam} />
      {data ? (
        <>
          <Connections
            connections={data.connections}
            headingRef={connectionsHeading}
            onStale={reload}
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
          <DirectoryList
            directories={data.directories}
            progress={progress}
            requested={requested}
            headingRef={directoriesHeading}
            empty={<DirectoriesEmpty />}
            onSyncRequested={(directory, syncId) => setRequested((r) => ({ ...r, [directory.id]: syncId }))}
            onRemove={(directory) => {
              setAnnouncement('');
              setPending({ kind: 'remove-directory', directory, busy: false, error: null });
            }}
            onStale={reload}
          />
          <section className="section" aria-labelledby="add-directory-heading">
            <h2 id="add-directory-heading">Add a directory</h2>
            <p className="muted section__intro">
              Rollcall reads who exists, who is suspended or gone, and who is in which group from the identity provider’s admin API, on its
              own schedule. Use read-only credentials: Rollcall never writes to the directory.
            </p>
            <DirectoryForm onCreated={() => reload()} />
          </section>
        </>
      ) : null}
      {pending ? (
        <PendingDialog
          pending={pending}
          onConfirm={() => void confirmPending()}
          onCancel={() => setPending(null)}
          fallbackFocus={() => (pending.kind === 'remove-directory' ? directoriesHeading.current : connectionsHeading.current)}
        />
      ) : null}
    </section>
  );
}

function DirectoriesEmpty() {
  return (
    <EmptyState title="No directories yet.">
      <p>
        Add one with the form below: Okta, Microsoft Entra ID or Google Workspace, with read-only API credentials. Rollcall then polls it
        for users, groups and memberships, and its changes show up on the <a href={formatRoute('timeline')}>Timeline</a>.
      </p>
      <p>Or from a terminal (with the same --data-dir as the running app, if you set one):</p>
      <Command text={ADD_DIRECTORY_COMMAND} />
    </EmptyState>
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
  // What every confirm dialog of the page shares.
  const common = { busy: pending.busy, error: pending.error, onConfirm, onCancel, fallbackFocus };
  if (pending.kind === 'remove-directory') {
    const { directory } = pending;
    return (
      <ConfirmDialog title={`Remove “${directory.name}”?`} confirmLabel="Remove directory" busyLabel="Removing…" tone="danger" {...common}>
        <p>
          Rollcall stops polling {providerLabel(directory.provider)} for “{directory.name}” and forgets its credentials at once.
        </p>
        <p className="muted">Its history is kept: people, accounts and events stay on the timeline and in the audit trail.</p>
      </ConfirmDialog>
    );
  }
  const { connection } = pending;
  const idp = providerLabel(connection.provider);
  return pending.kind === 'rotate' ? (
    <ConfirmDialog title={`Rotate the token of “${connection.name}”?`} confirmLabel="Rotate token" busyLabel="Rotating…" {...common}>
      <p>The current token stops working at once. Continue?</p>
      <p className="muted">
        You will get a new token to paste into {idp}; until then, {idp} cannot provision {connection.app}.
      </p>
    </ConfirmDialog>
  ) : (
    <ConfirmDialog title={`Remove “${connection.name}”?`} confirmLabel="Remove connection" busyLabel="Removing…" tone="danger" {...common}>
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

/** A relay row's Test connection: running, then what it found. */
interface TestState {
  testing: boolean;
  note: TestNote | null;
}

function Connections({
  connections,
  headingRef,
  onAction,
  onStale,
}: {
  connections: Sources['connections'];
  headingRef: RefObject<HTMLHeadingElement | null>;
  onAction(kind: ConnectionAction, connection: Connection): void;
  /** A call said the connection is gone: refresh the list. */
  onStale(): void;
}) {
  const [tests, setTests] = useState<Readonly<Record<string, TestState>>>({});
  const patch = (id: string, next: TestState): void => setTests((t) => ({ ...t, [id]: next }));

  async function test(c: Connection): Promise<void> {
    if (tests[c.id]?.testing) return;
    patch(c.id, { testing: true, note: null });
    try {
      patch(c.id, { testing: false, note: testConnectionNote(await api.testConnection({ id: c.id })) });
    } catch (err) {
      patch(c.id, { testing: false, note: testConnectionErrorNote(err) });
      onStale();
    }
  }

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
              {connections.map((c) => {
                const mode = connectionModeView(c);
                const testState = tests[c.id];
                return (
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
                    <td className="connection-mode">
                      {mode.mode === 'relay' ? (
                        <>
                          {mode.label} <code className="select-all">{mode.baseUrl}</code>
                          <div className="small muted connection-mode__detail">{mode.detail}</div>
                        </>
                      ) : (
                        mode.label
                      )}
                    </td>
                    <td className="nowrap">
                      {c.lastRequestAt ? <Time iso={c.lastRequestAt} relative /> : <span className="muted">Never</span>}
                    </td>
                    <td>
                      <div className="row-actions row-actions--wrap">
                        {mode.mode === 'relay' ? (
                          <BusyButton
                            className="button button--small"
                            busy={testState?.testing}
                            busyLabel="Testing…"
                            onClick={() => void test(c)}
                          >
                            Test connection<span className="visually-hidden"> of {c.name}</span>
                          </BusyButton>
                        ) : null}
                        <button type="button" className="button button--small" onClick={() => onAction('rotate', c)}>
                          Rotate token<span className="visually-hidden"> of {c.name}</span>
                        </button>
                        <button type="button" className="button button--small button--danger-quiet" onClick={() => onAction('remove', c)}>
                          Remove<span className="visually-hidden"> {c.name}</span>
                        </button>
                      </div>
                      {mode.mode === 'relay' ? (
                        // Always there for relay rows, so screen readers announce the result that appears in it.
                        <div className="row-note" role="status" aria-label={`Test of ${c.name}`}>
                          {testState?.note ? (
                            <p className={`small row-note__text ${testState.note.ok ? 'row-note__text--ok' : 'row-note__text--error'}`}>
                              <strong>{testState.note.title}:</strong> {testState.note.message}
                              {testState.note.detail ? <span className="row-note__detail"> ({testState.note.detail})</span> : null}
                            </p>
                          ) : null}
                        </div>
                      ) : null}
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
