import { useState, type ReactNode, type RefObject } from 'react';
import { api } from '../api';
import { directoryActionError } from '../lib/directory-form';
import { providerLabel } from '../lib/format';
import {
  directoryDetail,
  intervalLabel,
  lastSyncResult,
  syncActivity,
  syncProgressFraction,
  syncProgressLabel,
  type Directory,
  type SyncProgress,
  type SyncProgressMap,
} from '../lib/sources';
import { formatRoute } from '../store/route';
import { BusyButton } from './BusyButton';
import { Time } from './Time';

/** What a row says after Test connection, or after a Sync request was refused. */
interface RowNote {
  ok: boolean;
  /** "Connection works", "Connection failed", "Sync not started". */
  title: string;
  message: string;
}

interface RowState {
  testing?: boolean;
  starting?: boolean;
  note?: RowNote | null;
}

export interface DirectoryListProps {
  directories: readonly Directory[];
  progress: SyncProgressMap;
  /** The sync this page asked for, per directory (until the list shows it). */
  requested: Readonly<Record<string, number>>;
  headingRef: RefObject<HTMLHeadingElement | null>;
  /** When empty: what to do (the add form follows the list). */
  empty: ReactNode;
  onSyncRequested(directory: Directory, syncId: number): void;
  onRemove(directory: Directory): void;
  /** A call said the directory is gone: refresh the list. */
  onStale(): void;
}

/**
 * The polled directories: what each points at, its last sync (or a progress bar while one runs),
 * its next scheduled sync, and Test connection, Sync now, Full sync and Remove.
 */
export function DirectoryList({
  directories,
  progress,
  requested,
  headingRef,
  empty,
  onSyncRequested,
  onRemove,
  onStale,
}: DirectoryListProps) {
  const [rows, setRows] = useState<Readonly<Record<string, RowState>>>({});
  const patch = (id: string, next: RowState): void => setRows((r) => ({ ...r, [id]: { ...r[id], ...next } }));

  async function test(d: Directory): Promise<void> {
    if (rows[d.id]?.testing) return;
    patch(d.id, { testing: true, note: null });
    try {
      const result = await api.testDirectory({ id: d.id });
      patch(d.id, {
        testing: false,
        note: { ok: result.ok, title: result.ok ? 'Connection works' : 'Connection failed', message: result.message },
      });
    } catch (err) {
      patch(d.id, { testing: false, note: { ok: false, title: 'Could not test', message: directoryActionError(err) } });
      onStale();
    }
  }

  async function sync(d: Directory, full: boolean): Promise<void> {
    if (rows[d.id]?.starting) return;
    patch(d.id, { starting: true, note: null });
    try {
      const { syncId } = await api.syncDirectory({ id: d.id, ...(full ? { full: true } : {}) });
      patch(d.id, { starting: false });
      onSyncRequested(d, syncId);
    } catch (err) {
      patch(d.id, { starting: false, note: { ok: false, title: 'Sync not started', message: directoryActionError(err) } });
      onStale();
    }
  }

  return (
    <section className="section" aria-labelledby="directories-heading">
      <h2 id="directories-heading" ref={headingRef} tabIndex={-1}>
        Directories
      </h2>
      {directories.length === 0 ? (
        empty
      ) : (
        <div className="table-wrap">
          <table className="table directory-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Provider</th>
                <th scope="col" className="directory-table__sync">
                  Last sync
                </th>
                <th scope="col">Next sync</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {directories.map((d) => {
                const row = rows[d.id] ?? {};
                const activity = syncActivity(d, progress[d.id], requested[d.id]);
                const detail = directoryDetail(d);
                return (
                  <tr key={d.id}>
                    <th scope="row">
                      <a href={formatRoute('timeline', { source: d.id })}>{d.name}</a>
                      {detail ? <div className="small muted directory-table__detail">{detail}</div> : null}
                    </th>
                    <td className="nowrap">{providerLabel(d.provider)}</td>
                    <td className="directory-table__sync">
                      {activity.running ? (
                        <SyncBar
                          progress={activity.progress}
                          previous={d.lastSync?.status === 'ok' ? d.lastSync : null}
                          name={d.name}
                          fallback={d.lastSync?.status === 'running' ? 'Sync running…' : 'Starting…'}
                        />
                      ) : (
                        <LastSync directory={d} />
                      )}
                    </td>
                    <td className="nowrap">
                      <NextSync directory={d} running={activity.running} />
                    </td>
                    <td className="directory-table__actions">
                      <div className="row-actions row-actions--wrap">
                        <BusyButton className="button button--small" busy={row.testing} busyLabel="Testing…" onClick={() => void test(d)}>
                          Test connection<span className="visually-hidden"> of {d.name}</span>
                        </BusyButton>
                        <BusyButton
                          className="button button--small button--primary"
                          busy={row.starting || activity.running}
                          busyLabel={activity.running ? 'Syncing…' : 'Starting…'}
                          onClick={() => void sync(d, false)}
                        >
                          Sync now<span className="visually-hidden"> {d.name}</span>
                        </BusyButton>
                        <BusyButton
                          className="button button--small button--quiet"
                          unavailable={row.starting || activity.running}
                          title="Reads everything again instead of only the changes since the last sync"
                          onClick={() => void sync(d, true)}
                        >
                          Full sync<span className="visually-hidden"> of {d.name}</span>
                        </BusyButton>
                        <button type="button" className="button button--small button--danger-quiet" onClick={() => onRemove(d)}>
                          Remove<span className="visually-hidden"> {d.name}</span>
                        </button>
                      </div>
                      <div className="row-note" aria-live="polite">
                        {row.note ? (
                          <p className={`small row-note__text ${row.note.ok ? 'row-note__text--ok' : 'row-note__text--error'}`}>
                            <strong>{row.note.title}:</strong> {row.note.message}
                          </p>
                        ) : null}
                      </div>
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

function LastSync({ directory }: { directory: Directory }) {
  const result = lastSyncResult(directory.lastSync);
  if (!result) return <span className="muted">Never synced</span>;
  return (
    <div className="sync-result">
      <div>
        <span
          className={`status ${result.tone === 'ok' ? 'status--active' : result.tone === 'failed' ? 'status--gone' : 'status--leaving'}`}
        >
          {result.label}
        </span>{' '}
        <Time iso={result.at} relative /> <span className="small muted">· {result.trigger}</span>
      </div>
      {result.counts ? <div className="small">{result.counts}</div> : null}
      {result.error ? <div className="small sync-result__error">{result.error}</div> : null}
    </div>
  );
}

function NextSync({ directory, running }: { directory: Directory; running: boolean }) {
  const interval = <div className="small muted">{intervalLabel(directory.intervalMinutes)}</div>;
  if (directory.paused) {
    return (
      <>
        <span className="muted">Paused</span>
        {interval}
      </>
    );
  }
  if (running) {
    return (
      <>
        <span className="muted">After this sync</span>
        {interval}
      </>
    );
  }
  return (
    <>
      {directory.nextSyncAt ? <Time iso={directory.nextSyncAt} /> : <span className="muted">Not scheduled</span>}
      {interval}
    </>
  );
}

function SyncBar({
  progress,
  previous,
  name,
  fallback,
}: {
  progress: SyncProgress | null;
  previous: Directory['lastSync'];
  name: string;
  /** The label before the first progress message. */
  fallback: string;
}) {
  const fraction = progress ? syncProgressFraction(progress, previous) : null;
  const label = progress ? syncProgressLabel(progress) : fallback;
  return (
    <div className={progress?.waiting ? 'sync sync--waiting' : 'sync'}>
      {fraction === null ? (
        <progress aria-label={`Sync of ${name}`} aria-valuetext={label} />
      ) : (
        <progress aria-label={`Sync of ${name}`} aria-valuetext={label} value={fraction} max={1} />
      )}
      <span className="small">{label}</span>
    </div>
  );
}
