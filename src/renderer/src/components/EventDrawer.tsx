import { useEffect, useRef } from 'react';
import { useCall } from '../api';
import type { ScimExchange } from '../../../shared/contract';
import { diffRows, prettyBody } from '../lib/timeline';
import { eventTypeLabel, NO_VALUE } from '../lib/format';
import { formatRoute } from '../store/route';
import { ErrorMessage, Loading } from './Status';
import { Time } from './Time';

/**
 * One event's detail beside the timeline: what changed (before/after) and, for an event a SCIM
 * request caused, that request and the answer as recorded (secrets were redacted when stored).
 * Not modal: the list stays usable; Escape or Close shuts it.
 */
export function EventDrawer({ seq, onClose }: { seq: number; onClose: () => void }) {
  const { data, error, loading, reload } = useCall('getEvent', { seq }, [seq]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [seq]);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const e = data?.event;
  const title = e ? `${eventTypeLabel(e.type)}${e.subject ? `: ${e.subject}` : ''}` : `Event #${seq}`;
  return (
    <aside className="drawer" role="dialog" aria-modal="false" aria-labelledby="event-drawer-title" data-testid="event-drawer">
      <div className="drawer__head">
        <h2 id="event-drawer-title" ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="button button--small" onClick={onClose}>
          Close<span className="visually-hidden"> event details</span>
        </button>
      </div>
      <div className="drawer__body" aria-busy={loading}>
        {error ? <ErrorMessage title="Could not load this event" message={error} onRetry={reload} /> : null}
        {!data && loading ? <Loading label="Loading the event…" /> : null}
        {e ? (
          <>
            <dl className="facts drawer__facts">
              <dt>Event</dt>
              <dd>
                #{e.seq} · <span className={`event-type event-type--${e.type.split('.')[0] ?? 'other'}`}>{eventTypeLabel(e.type)}</span>
              </dd>
              <dt>Happened</dt>
              <dd>
                <Time iso={e.occurredAt} />
              </dd>
              <dt>Recorded</dt>
              <dd>
                <Time iso={e.observedAt} />
              </dd>
              <dt>Source</dt>
              <dd>
                <a href={formatRoute('timeline', { source: e.sourceId })}>{e.sourceName}</a>
              </dd>
              <dt>Subject</dt>
              <dd>{e.subject ?? NO_VALUE}</dd>
              {e.personId !== null ? (
                <>
                  <dt>Person</dt>
                  <dd>
                    <a href={formatRoute('timeline', { person: String(e.personId) })}>Events of person #{e.personId}</a>
                  </dd>
                </>
              ) : null}
              <dt>Actor</dt>
              <dd>{e.actor ?? NO_VALUE}</dd>
              {e.accountId ? (
                <>
                  <dt>Account id</dt>
                  <dd className="mono">{e.accountId}</dd>
                </>
              ) : null}
              {e.groupId ? (
                <>
                  <dt>Group id</dt>
                  <dd className="mono">{e.groupId}</dd>
                </>
              ) : null}
            </dl>
            <Diff before={e.before} after={e.after} />
            {data.exchange ? <Exchange x={data.exchange} /> : null}
            <p className="small muted drawer__hash">
              Hash <span className="mono">{e.hash.slice(0, 16)}…</span> (chained to the previous event; <code>rollcall verify</code> checks
              it)
            </p>
          </>
        ) : null}
      </div>
    </aside>
  );
}

function Diff({ before, after }: { before: unknown; after: unknown }) {
  const rows = diffRows(before, after);
  return (
    <section aria-labelledby="event-diff-title" className="drawer__section">
      <h3 id="event-diff-title">Before and after</h3>
      {rows.length === 0 ? (
        <p className="muted small">This event records no attribute values.</p>
      ) : (
        <table className="table diff" data-testid="event-diff">
          <thead>
            <tr>
              <th scope="col">Attribute</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} className={`diff__row diff__row--${r.change}`}>
                <th scope="row" className="mono">
                  {r.key}
                  {r.change !== 'same' ? <span className="visually-hidden"> ({r.change})</span> : null}
                </th>
                <td className="mono diff__before">{r.before ?? <span className="muted">{NO_VALUE}</span>}</td>
                <td className="mono diff__after">{r.after ?? <span className="muted">{NO_VALUE}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Exchange({ x }: { x: ScimExchange }) {
  const request = prettyBody(x.requestBody);
  const response = prettyBody(x.responseBody);
  return (
    <section aria-labelledby="event-exchange-title" className="drawer__section" data-testid="event-exchange">
      <h3 id="event-exchange-title">SCIM request and response</h3>
      <p className="small">
        <span className="mono">
          {x.method} {x.path}
          {x.query ? `?${x.query}` : ''}
        </span>{' '}
        → <strong>{x.status}</strong> in {Math.round(x.latencyMs)} ms · <Time iso={x.receivedAt} />
      </p>
      {x.upstreamStatus !== null || x.upstreamError ? (
        <p className="small">
          Relayed to the app:{' '}
          {x.upstreamError ? (
            <span className="warn">{x.upstreamError}</span>
          ) : (
            <>
              answered <strong>{x.upstreamStatus}</strong>
              {x.upstreamLatencyMs !== null ? ` in ${Math.round(x.upstreamLatencyMs)} ms` : ''}
            </>
          )}
        </p>
      ) : null}
      <h4>Request body</h4>
      {request ? (
        <pre className="code-block" tabIndex={0} aria-label="Request body">
          {request}
        </pre>
      ) : (
        <p className="muted small">No body.</p>
      )}
      <h4>Response body</h4>
      {response ? (
        <pre className="code-block" tabIndex={0} aria-label="Response body">
          {response}
        </pre>
      ) : (
        <p className="muted small">No body.</p>
      )}
      <p className="small muted">Passwords and other secret attributes were replaced by “[redacted]” before the request was stored.</p>
    </section>
  );
}
