/**
 * The append-only event log and its hash chain.
 *
 * Each event's hash is SHA-256 over the previous event's hash and the event's own stored content,
 * so editing, deleting or reordering any event breaks every later link (checked by `verify`).
 */
import { createHash } from 'node:crypto';
import type { Db } from './db';
import type { EventType } from '../../../shared/contract';

export const GENESIS_HASH = '0'.repeat(64);

export interface NewEvent {
  type: EventType;
  sourceId: string;
  accountId?: string | null;
  groupId?: string | null;
  personId?: number | null;
  /** Human label of what the event is about (userName, group name), for lists and exports. */
  subject?: string | null;
  /** When it happened at the source, where known; defaults to observedAt. */
  occurredAt?: string;
  observedAt: string;
  actor?: string | null;
  before?: unknown;
  after?: unknown;
  exchangeId?: number | null;
}

export interface EventRow {
  seq: number;
  type: string;
  source_id: string;
  account_id: string | null;
  group_id: string | null;
  person_id: number | null;
  subject: string | null;
  occurred_at: string;
  observed_at: string;
  actor: string | null;
  before: string | null;
  after: string | null;
  exchange_id: number | null;
  prev_hash: string;
  hash: string;
}

type HashedFields = Omit<EventRow, 'seq' | 'hash'>;

/** The exact bytes an event's hash covers. Changing this is a new chain format (a migration). */
export function eventHash(fields: HashedFields): string {
  const content = JSON.stringify([
    fields.prev_hash,
    fields.type,
    fields.source_id,
    fields.account_id,
    fields.group_id,
    fields.person_id,
    fields.subject,
    fields.occurred_at,
    fields.observed_at,
    fields.actor,
    fields.before,
    fields.after,
    fields.exchange_id,
  ]);
  return createHash('sha256').update(content).digest('hex');
}

const toJson = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

export class EventLog {
  private readonly head;
  private readonly insert;

  constructor(private readonly db: Db) {
    this.head = db.prepare<[], { hash: string }>('SELECT hash FROM events ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare<HashedFields & { hash: string }>(
      `INSERT INTO events (type, source_id, account_id, group_id, person_id, subject, occurred_at, observed_at,
         actor, before, after, exchange_id, prev_hash, hash)
       VALUES (@type, @source_id, @account_id, @group_id, @person_id, @subject, @occurred_at, @observed_at,
         @actor, @before, @after, @exchange_id, @prev_hash, @hash)`,
    );
  }

  /**
   * Appends events in order. Must run inside a write transaction (Store.write), together with
   * the state change the events describe, so there is never one without the other.
   */
  append(events: readonly NewEvent[]): number[] {
    if (!this.db.inTransaction) throw new Error('EventLog.append must run inside Store.write');
    let prev = this.headHash();
    const seqs: number[] = [];
    for (const e of events) {
      const fields: HashedFields = {
        prev_hash: prev,
        type: e.type,
        source_id: e.sourceId,
        account_id: e.accountId ?? null,
        group_id: e.groupId ?? null,
        person_id: e.personId ?? null,
        subject: e.subject ?? null,
        occurred_at: e.occurredAt ?? e.observedAt,
        observed_at: e.observedAt,
        actor: e.actor ?? null,
        before: toJson(e.before),
        after: toJson(e.after),
        exchange_id: e.exchangeId ?? null,
      };
      const hash = eventHash(fields);
      const info = this.insert.run({ ...fields, hash });
      seqs.push(Number(info.lastInsertRowid));
      prev = hash;
    }
    return seqs;
  }

  headHash(): string {
    return this.head.get()?.hash ?? GENESIS_HASH;
  }
}
