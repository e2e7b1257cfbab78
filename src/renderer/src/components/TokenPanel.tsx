import { useEffect, useId, useRef } from 'react';
import type { CallOutput } from '../../../shared/contract';
import { providerLabel } from '../lib/format';
import { idpInstructionsFor } from '../lib/idp';
import { SecretField } from './SecretField';

export type Connection = CallOutput<'createConnection'>['connection'];

export interface IssuedToken {
  reason: 'created' | 'rotated';
  connection: Connection;
  token: string;
}

/**
 * The one time a connection's token is visible: right after it was created or rotated. The
 * parent drops the token from its state on Done, so it leaves the page with this panel.
 */
export function TokenPanel({ issued, onDone }: { issued: IssuedToken; onDone(): void }) {
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const { connection, token, reason } = issued;
  const idp = providerLabel(connection.provider);

  // New content the person must act on: take them (and their screen reader) there.
  useEffect(() => {
    heading.current?.focus();
  }, []);

  return (
    <section className="token-panel" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {reason === 'created' ? `Connection “${connection.name}” added` : `New token for “${connection.name}”`}
      </h2>
      <p className="token-panel__warning">
        <strong>This token is shown only once. Rollcall stores only a hash of it.</strong>{' '}
        {reason === 'rotated' ? 'The previous token no longer works. ' : ''}
        Paste the SCIM URL and the token into {idp} now.
      </p>
      <div className="token-panel__fields">
        {connection.scimUrl ? (
          <SecretField label="SCIM URL" what="SCIM URL" value={connection.scimUrl} />
        ) : (
          <div className="secret-field">
            <span className="field__label">SCIM URL</span>
            <p className="muted">
              The SCIM listener is not running, so there is no URL yet. Once it runs, the URL ends in{' '}
              <code>/scim/v2/{connection.slug}</code>.
            </p>
          </div>
        )}
        <SecretField label="Token" what="token" value={token} />
      </div>
      <div className="token-panel__where">
        <h3>Where to paste them</h3>
        <ul className="idp-list">
          {idpInstructionsFor(connection.provider).map((i) => (
            <li
              key={i.provider}
              className={i.provider === connection.provider ? 'idp-list__item idp-list__item--current' : 'idp-list__item'}
            >
              <strong>{i.label}</strong>
              {i.provider === connection.provider ? <span className="visually-hidden"> (this connection)</span> : null}: {i.where}:{' '}
              {i.paste}
            </li>
          ))}
        </ul>
      </div>
      <div className="token-panel__actions">
        <button type="button" className="button button--primary token-panel__done" onClick={onDone}>
          Done
        </button>
        <span className="small muted">The token is removed from this page; to get a new one, rotate the token.</span>
      </div>
    </section>
  );
}
