/**
 * A scripted directory provider for engine tests: each round yields the pages a test queued,
 * then ends with the mode and cursor the test chose (or throws where the test said). Provider
 * wire formats are tested against the fake IdP servers (test/fakes); this isolates the engine.
 */
import { z } from 'zod';
import type { Store } from '../../src/main/core/store/store';
import type { ProviderModule } from '../../src/main/directories/registry';
import type { DirUser, DirectoryProvider, SyncContext, SyncPage, SyncResult } from '../../src/main/directories/types';

export interface ScriptedRound {
  pages: SyncPage[];
  mode: 'snapshot' | 'delta';
  cursor?: unknown;
  /** Throw this after yielding `failAfter` pages. */
  fail?: Error;
  failAfter?: number;
}

export class Script {
  rounds: ScriptedRound[] = [];
  /** The context each round was called with. */
  readonly calls: { cursor: unknown; full: boolean }[] = [];
  tested = 0;
  push(round: ScriptedRound): this {
    this.rounds.push(round);
    return this;
  }
}

export function scriptedProvider(script: Script): DirectoryProvider {
  return {
    kind: 'okta',
    async *sync(ctx: SyncContext): AsyncGenerator<SyncPage, SyncResult, void> {
      script.calls.push({ cursor: ctx.cursor, full: ctx.full });
      const round = script.rounds.shift();
      if (!round) throw new Error('no scripted round left');
      let n = 0;
      for (const page of round.pages) {
        if (round.fail && round.failAfter === n) throw round.fail;
        yield page;
        n++;
        await Promise.resolve();
      }
      if (round.fail) throw round.fail;
      return { mode: round.mode, cursor: round.cursor ?? null };
    },
    async test() {
      script.tested++;
      return 'scripted directory reachable';
    },
  };
}

/** A provider module for the registry whose providers play `script`. */
export function scriptedModule(script: Script): ProviderModule {
  return {
    kind: 'okta',
    label: 'Scripted',
    configSchema: z.object({ baseUrl: z.url(), auth: z.literal('ssws') }).strict(),
    secretsSchema: z.object({ apiToken: z.string().min(10) }).strict(),
    create: () => ({
      provider: scriptedProvider(script),
      auth: { header: async () => 'SSWS x', invalidate: () => false },
      httpOptions: {},
    }),
  };
}

export function user(id: string, over: Partial<DirUser> = {}): DirUser {
  return {
    id,
    userName: `${id}@example.com`,
    email: `${id}@example.com`,
    displayName: `User ${id}`,
    employeeNumber: null,
    externalId: null,
    status: 'active',
    active: true,
    lastSignInAt: null,
    attributes: { login: `${id}@example.com`, department: 'Engineering', title: 'Engineer' },
    ...over,
  };
}

/**
 * Everything a sync may write about directory state (accounts, groups, memberships, and how many
 * events there are), as text: equal text before and after means nothing was written.
 */
export function stateDump(store: Store): string {
  return JSON.stringify([
    store.db.prepare('SELECT * FROM accounts ORDER BY pk').all(),
    store.db.prepare('SELECT * FROM groups ORDER BY pk').all(),
    store.db
      .prepare(
        'SELECT source_id, group_id, member_id, member_type, first_seen, last_seen, deleted_at FROM membership_ids ORDER BY group_id, member_id',
      )
      .all(),
    store.db.prepare('SELECT count(*) AS n FROM events').get(),
  ]);
}

export interface EventRow {
  seq: number;
  type: string;
  account_id: string | null;
  group_id: string | null;
  subject: string;
  before: string | null;
  after: string | null;
  occurred_at: string;
  actor: string | null;
}

/** The events after `afterSeq`, oldest first. */
export function eventRows(store: Store, afterSeq = 0): EventRow[] {
  return store.db
    .prepare<[number], EventRow>(
      'SELECT seq, type, account_id, group_id, subject, before, after, occurred_at, actor FROM events WHERE seq > ? ORDER BY seq',
    )
    .all(afterSeq);
}

/** The newest event's sequence number (0 when there is none). */
export function maxEventSeq(store: Store): number {
  return (store.db.prepare('SELECT coalesce(max(seq), 0) AS m FROM events').get() as { m: number }).m;
}
