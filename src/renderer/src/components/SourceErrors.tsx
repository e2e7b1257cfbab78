import { useCall, usePush } from '../api';
import { useCoalesced } from '../hooks';
import { formatCount } from '../lib/format';
import { formatRoute } from '../store/route';
import { ErrorMessage } from './Status';
import '../pages/Dashboard.css';
import { Time } from './Time';

/**
 * The Sources page's recent errors (issue #7): refused or failed SCIM requests per connection and
 * failed syncs per directory, from getSourceHealth. Shown when there are any, or for the source a
 * link asked for (`#/sources?source=ID`, the Dashboard's error counts).
 */
export function SourceErrors({ sourceId }: { sourceId: string | undefined }) {
  const { data, error, reload } = useCall('getSourceHealth', {});
  const refreshSoon = useCoalesced(reload, 2000);
  usePush((message) => {
    if (message.kind === 'sources.changed') reload();
    else if (message.kind === 'sync.progress' && (message.phase === 'done' || message.phase === 'failed')) reload();
    else if (message.kind === 'events.appended') refreshSoon();
  });
  if (error) return <ErrorMessage title="Could not load recent errors" message={error} onRetry={reload} />;
  if (!data) return null;
  const sources = data.sources.filter((s) => (sourceId ? s.id === sourceId : s.errorCount > 0));
  if (sources.length === 0 && !sourceId) return null;
  return (
    <section className="section" aria-labelledby="recent-errors-heading" data-testid="recent-errors">
      <h2 id="recent-errors-heading">Recent errors</h2>
      <p className="muted section__intro">
        Refused or failed SCIM requests and failed directory syncs of the last {data.windowHours} hours
        {sourceId ? (
          <>
            {' '}
            for one source · <a href={formatRoute('sources')}>all sources</a>
          </>
        ) : null}
        .
      </p>
      {sources.length === 0 ? <p>That source no longer exists.</p> : null}
      {sources.map((s) => (
        <div key={s.id} className="source-errors">
          <h3 className="source-errors__name">
            {s.name}{' '}
            <span className="muted small">
              · {formatCount(s.errorCount)} {s.errorCount === 1 ? 'error' : 'errors'}
            </span>
          </h3>
          {s.recentErrors.length === 0 ? (
            <p className="muted small">No errors in the last {data.windowHours} hours.</p>
          ) : (
            <ul className="source-errors__list">
              {s.recentErrors.map((e, i) => (
                <li key={`${e.at}-${i}`} className="small">
                  <Time iso={e.at} /> — {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}
