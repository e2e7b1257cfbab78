import { useState } from 'react';
import { useCall, usePush } from '../api';
import { CopyButton } from '../components/CopyButton';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import type { CallOutput } from '../../../shared/contract';
import { providerLabel } from '../lib/format';
import {
  ADD_CONNECTION_COMMAND,
  ADD_DIRECTORY_COMMAND,
  applySyncProgress,
  modeLabel,
  syncProgressFraction,
  syncProgressLabel,
  type SyncProgress,
  type SyncProgressMap,
} from '../lib/sources';
import { formatRoute } from '../store/route';

type Sources = CallOutput<'listSources'>;

export function SourcesPage() {
  const { data, error, loading, reload } = useCall('listSources', {});
  const [progress, setProgress] = useState<SyncProgressMap>({});
  usePush((message) => {
    if (message.kind === 'sources.changed') reload();
    else if (message.kind === 'sync.progress') setProgress((map) => applySyncProgress(map, message));
  });

  return (
    <section className="page" aria-busy={loading}>
      <PageHeader title="Sources" description="SCIM connections your identity provider pushes to, and directories Rollcall polls." />
      {error ? <ErrorMessage message={error} onRetry={reload} /> : null}
      {!data && loading ? <Loading label="Loading sources…" /> : null}
      {data ? (
        <>
          <Connections connections={data.connections} />
          <Directories directories={data.directories} progress={progress} />
        </>
      ) : null}
    </section>
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

function Connections({ connections }: { connections: Sources['connections'] }) {
  return (
    <section className="section" aria-labelledby="connections-heading">
      <h2 id="connections-heading">SCIM connections</h2>
      {connections.length === 0 ? (
        <EmptyState title="No SCIM connections yet.">
          <p>Create one per app from a terminal (with the same --data-dir as the running app, if you set one):</p>
          <Command text={ADD_CONNECTION_COMMAND} />
          <p>
            It prints a SCIM URL and a token: paste both into your identity provider’s provisioning settings for that app. The connection
            shows up here at once, and its events on the <a href={formatRoute('timeline')}>Timeline</a>.
          </p>
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
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SyncBar({ progress }: { progress: SyncProgress }) {
  const fraction = syncProgressFraction(progress);
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
          <p>Poll an identity provider’s admin API for users, groups and memberships (Okta shown; Entra ID and Google work too):</p>
          <Command text={ADD_DIRECTORY_COMMAND} />
          <p>
            The token is read from the named environment variable and stored encrypted. Then run <code>npx rollcall sync</code> for a first
            poll.
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
                        <SyncBar progress={p} />
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
