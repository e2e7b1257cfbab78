/**
 * Checking the event log's hash chain (store/events.ts) from the genesis hash, and the database
 * file's own integrity. Used by `rollcall verify`, by every export before it renames its file, and
 * by the Settings page ("Verify event log").
 *
 * What a break says (the first one found, walking in seq order):
 *  - `content-edited`: an event's stored hash is not the hash of its own fields (a field was
 *    changed after it was written);
 *  - `missing-seq`: seqs jump (e.g. 41 → 43) and the event after the gap does not link to the one
 *    before it (events were deleted; `seq` names the first missing one);
 *  - `reordered`: the event's previous-hash names an event that sits *later* in the log (events
 *    were swapped or moved);
 *  - `previous-link-mismatch`: the event's previous-hash matches no earlier event — the event
 *    before it was rewritten with a recomputed hash (or this event's link was), or the first event
 *    does not start from the genesis hash.
 * Limits: deleting the newest events leaves a valid shorter chain; compare the head with the one a
 * manifest recorded (`verify --expect-head`) to catch that.
 */
import { eventHash, GENESIS_HASH } from '../store/events';
import type { Db } from '../store/db';

export type BreakReason = 'content-edited' | 'missing-seq' | 'reordered' | 'previous-link-mismatch';

export interface ChainBreak {
  /** The event where the chain stops verifying (for `missing-seq`: the first missing seq). */
  seq: number;
  reason: BreakReason;
  /** The last event that verified before the break (null: none). */
  lastGoodSeq: number | null;
  message: string;
}

export interface ChainResult {
  ok: boolean;
  /** Events checked (up to the break, or all of them). */
  checked: number;
  /** Seq and hash of the newest event checked (the head the chain ends in when ok). */
  headSeq: number | null;
  headHash: string;
  firstBreak: ChainBreak | null;
  ms: number;
}

export interface VerifyChainOptions {
  /** Check only up to this seq (an export checks the log as of its own snapshot). */
  upToSeq?: number;
  /** Called about every `progressEvery` events with the number checked and the total. */
  onProgress?: (checked: number, total: number) => void;
  progressEvery?: number;
  /** Checked between batches; a cancelled check throws. */
  shouldStop?: () => boolean;
}

type Row = [
  number,
  string,
  string,
  string | null,
  string | null,
  number | null,
  string | null,
  string,
  string,
  string | null,
  string | null,
  string | null,
  number | null,
  string,
  string,
];

export class VerifyCancelledError extends Error {
  constructor() {
    super('The check was cancelled');
  }
}

export function verifyChain(db: Db, options: VerifyChainOptions = {}): ChainResult {
  const started = performance.now();
  const upTo = options.upToSeq ?? Number.MAX_SAFE_INTEGER;
  const total = db.prepare<[number], number>('SELECT count(*) FROM events WHERE seq <= ?').pluck().get(upTo) ?? 0;
  const rows = db
    .prepare<[number], Row>(
      `SELECT seq, type, source_id, account_id, group_id, person_id, subject, occurred_at, observed_at, actor, before, after,
              exchange_id, prev_hash, hash FROM events WHERE seq <= ? ORDER BY seq`,
    )
    .raw(true);
  const every = options.progressEvery ?? 50_000;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let checked = 0;
  let headSeq: number | null = null;
  let firstBreak: ChainBreak | null = null;
  const finish = (): ChainResult => ({
    ok: firstBreak === null,
    checked,
    headSeq,
    headHash: headSeq === null ? GENESIS_HASH : prevHash,
    firstBreak,
    ms: performance.now() - started,
  });
  for (const r of rows.iterate(upTo)) {
    const [seq, type, source_id, account_id, group_id, person_id, subject, occurred_at, observed_at, actor, before, after, exchange_id] = r;
    const storedPrev = r[13];
    const storedHash = r[14];
    const own = eventHash({
      prev_hash: storedPrev,
      type,
      source_id,
      account_id,
      group_id,
      person_id,
      subject,
      occurred_at,
      observed_at,
      actor,
      before,
      after,
      exchange_id,
    });
    const lastGood = headSeq;
    if (own !== storedHash) {
      firstBreak = {
        seq,
        reason: 'content-edited',
        lastGoodSeq: lastGood,
        message: `event ${seq} was changed after it was written: its stored hash is not the hash of its content`,
      };
      break;
    }
    if (storedPrev !== prevHash) {
      firstBreak = classifyLink(db, seq, prevSeq, storedPrev, lastGood);
      break;
    }
    prevHash = storedHash;
    prevSeq = seq;
    headSeq = seq;
    checked++;
    if (checked % every === 0) {
      options.onProgress?.(checked, total);
      if (options.shouldStop?.()) throw new VerifyCancelledError();
    }
  }
  options.onProgress?.(checked, total);
  return finish();
}

function classifyLink(db: Db, seq: number, prevSeq: number, storedPrev: string, lastGood: number | null): ChainBreak {
  // Only on a break: one scan for the event whose hash this one names.
  const named =
    storedPrev === GENESIS_HASH ? undefined : db.prepare<[string], number>('SELECT seq FROM events WHERE hash = ?').pluck().get(storedPrev);
  if (named !== undefined && named > seq) {
    return {
      seq,
      reason: 'reordered',
      lastGoodSeq: lastGood,
      message: `event ${seq} links to event ${named}, which comes after it: events were reordered`,
    };
  }
  if (seq !== prevSeq + 1) {
    const first = prevSeq + 1;
    const last = seq - 1;
    return {
      seq: first,
      reason: 'missing-seq',
      lastGoodSeq: lastGood,
      message:
        first === last
          ? `event ${first} is missing: event ${seq} links to an event that is no longer in the log`
          : `events ${first}–${last} are missing: event ${seq} links to an event that is no longer in the log`,
    };
  }
  return {
    seq,
    reason: 'previous-link-mismatch',
    lastGoodSeq: lastGood,
    message:
      prevSeq === 0
        ? `event ${seq} is the first in the log but does not link to the genesis hash`
        : `event ${seq} does not link to event ${prevSeq}: event ${prevSeq} was rewritten (its hash recomputed), or event ${seq}'s link was`,
  };
}

export interface IntegrityResult {
  ok: boolean;
  /** What SQLite's quick_check reported ("ok", or its first problems). */
  messages: string[];
  ms: number;
}

/** SQLite's own consistency check of the file (PRAGMA quick_check: pages, records, indexes' structure). */
export function quickCheck(db: Db, maxErrors = 20): IntegrityResult {
  const started = performance.now();
  const messages = db.pragma(`quick_check(${maxErrors})`, { simple: false }) as { quick_check: string }[];
  const list = messages.map((m) => m.quick_check);
  return { ok: list.length === 1 && list[0] === 'ok', messages: list, ms: performance.now() - started };
}

/** Seq and hash of the newest event (the chain head), read in the caller's snapshot. */
export function chainHead(db: Db): { seq: number | null; hash: string; events: number } {
  const row = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get();
  const events = db.prepare<[], number>('SELECT count(*) FROM events').pluck().get() ?? 0;
  return { seq: row?.seq ?? null, hash: row?.hash ?? GENESIS_HASH, events };
}
