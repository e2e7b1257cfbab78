/**
 * The SCIM load generator used by bench/scim.bench.ts: 16 workers (by default) on one keep-alive
 * agent, each issuing requests back to back until the deadline, as an IdP's provisioning engine
 * does. Latency is measured per request with process.hrtime.bigint(), from the call that opens the
 * request to the end of the response body, and kept in a log-linear histogram (0.1 % precision).
 *
 * Scenarios:
 *   post  POST /Users only, each with a new userName.
 *   mix   per worker iteration: GET /Users?filter=userName eq "<new>" (expects an empty list),
 *         POST /Users, PATCH title + name.familyName; every 5th user PATCH active "False" (Entra
 *         style); every 100 users created, one PATCH of the worker's own group adding those 100
 *         members; every 20 iterations a paged GET /Users?startIndex=N&count=100.
 *
 * A request is an error when its status is not the one expected (GET 200, POST 201, PATCH 200 or
 * 204), when the connection fails, or when the create-time filter finds a user that should not
 * exist. Ids used in PATCHes are the ids the server returned.
 */
import http from 'node:http';

export type Scenario = 'post' | 'mix';
export type Op = 'createGroup' | 'filter' | 'createUser' | 'patchUser' | 'deactivate' | 'patchGroup' | 'list';
export const OPS: readonly Op[] = ['filter', 'createUser', 'patchUser', 'deactivate', 'patchGroup', 'list', 'createGroup'];

export interface LoadOptions {
  /** SCIM base URL, e.g. http://127.0.0.1:4000/scim/v2/bench (no trailing slash). */
  baseUrl: string;
  token: string;
  scenario: Scenario;
  warmupMs: number;
  durationMs: number;
  concurrency: number;
  /** Makes userNames and group names unique per run. */
  nonce: string;
  /** Per-request timeout; a request that takes longer counts as an error "timeout". */
  timeoutMs?: number;
}

export interface Stats {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Errors by status code ("501") or by failure ("ECONNRESET", "timeout", "nonempty"). */
  errors: Record<string, number>;
  errorCount: number;
}

export interface LoadResult extends Stats {
  /** Length of the measured window: from the end of the warm-up to the last measured response. */
  seconds: number;
  rps: number;
  /** Users the server said it created during the whole run (warm-up included). */
  usersCreated: number;
  byOp: Partial<Record<Op, Stats>>;
}

/**
 * Log-linear latency histogram over microseconds: exact below 1,024 µs, then 1,024 sub-buckets
 * per power of two (≤ 0.1 % relative error), up to 2^36 µs.
 */
export class Histogram {
  private static readonly SUB = 1024;
  private static readonly MAX_EXP = 36;
  private readonly counts = new Uint32Array(Histogram.SUB * (Histogram.MAX_EXP - 9));
  count = 0;
  max = 0;

  record(micros: number): void {
    const v = Math.max(0, Math.min(micros, 2 ** Histogram.MAX_EXP - 1));
    this.counts[Histogram.index(v)]! += 1;
    this.count += 1;
    if (v > this.max) this.max = v;
  }

  /** The p-th percentile (0 < p ≤ 100) in microseconds: the middle of the bucket it falls in. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(Histogram.middle(i), this.max);
    }
    return this.max;
  }

  private static index(v: number): number {
    if (v < Histogram.SUB) return Math.floor(v);
    const exp = Math.floor(Math.log2(v));
    const sub = Math.floor(v / 2 ** (exp - 10)) - Histogram.SUB;
    return Histogram.SUB * (exp - 9) + Math.min(sub, Histogram.SUB - 1);
  }

  private static middle(i: number): number {
    if (i < Histogram.SUB) return i + 0.5;
    const exp = Math.floor(i / Histogram.SUB) + 9;
    const sub = i % Histogram.SUB;
    const width = 2 ** (exp - 10);
    return (Histogram.SUB + sub) * width + width / 2;
  }
}

class Recorder {
  readonly histogram = new Histogram();
  readonly errors: Record<string, number> = {};
  errorCount = 0;

  error(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.errorCount += 1;
  }

  stats(): Stats {
    return {
      requests: this.histogram.count,
      p50Ms: this.histogram.percentile(50) / 1000,
      p99Ms: this.histogram.percentile(99) / 1000,
      maxMs: this.histogram.max / 1000,
      errors: { ...this.errors },
      errorCount: this.errorCount,
    };
  }
}

interface Reply {
  status: number;
  body: string;
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const GIVEN = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const FAMILY = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee'];
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'Support', 'Marketing', 'People'];
const TITLES = ['Engineer', 'Senior Engineer', 'Staff Engineer', 'Account Executive', 'Analyst', 'Manager'];

const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length]!;

/** An Okta/Entra-style create body. */
export function userBody(userName: string, n: number): string {
  const given = pick(GIVEN, n);
  const family = pick(FAMILY, Math.floor(n / GIVEN.length));
  return JSON.stringify({
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    userName,
    externalId: `00u${n.toString(36).padStart(8, '0')}${userName.length.toString(36)}`,
    name: { givenName: given, familyName: family },
    displayName: `${given} ${family}`,
    emails: [{ primary: true, value: userName, type: 'work' }],
    active: true,
    [ENTERPRISE_SCHEMA]: { employeeNumber: String(100000 + n), department: pick(DEPARTMENTS, n) },
  });
}

function idOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'id' in parsed) {
      const id = (parsed as { id: unknown }).id;
      if (typeof id === 'string' && id) return id;
      if (typeof id === 'number') return String(id);
    }
  } catch {
    // not JSON: no id
  }
  return undefined;
}

function totalResultsOf(body: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'totalResults' in parsed) {
      const n = (parsed as { totalResults: unknown }).totalResults;
      if (typeof n === 'number') return n;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs one scenario against one server: warm-up, then the measured window. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers = {
    Authorization: `Bearer ${options.token}`,
    Accept: 'application/scim+json',
  };

  const overall = new Recorder();
  const byOp = new Map<Op, Recorder>();
  const t0 = process.hrtime.bigint();
  const measureStart = t0 + BigInt(options.warmupMs) * 1_000_000n;
  const deadline = measureStart + BigInt(options.durationMs) * 1_000_000n;
  let lastEnd = measureStart;
  let usersCreated = 0;
  let listCalls = 0;

  const send = (method: string, path: string, body?: string): Promise<Reply | { error: string }> =>
    new Promise((resolve) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path: basePath + path,
          headers: payload ? { ...headers, 'Content-Type': 'application/scim+json', 'Content-Length': payload.length } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? 'response error' }));
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      req.end(payload);
    });

  /**
   * Issues one request and records it when it started inside the measured window. Returns the
   * reply when its status is one of `expect`, undefined otherwise (the error is recorded).
   */
  const call = async (op: Op, expect: readonly number[], method: string, path: string, body?: string): Promise<Reply | undefined> => {
    const start = process.hrtime.bigint();
    const reply = await send(method, path, body);
    const end = process.hrtime.bigint();
    const measured = start >= measureStart && start < deadline;
    let rec: Recorder | undefined;
    if (measured) {
      rec = byOp.get(op);
      if (!rec) byOp.set(op, (rec = new Recorder()));
      const micros = Number(end - start) / 1000;
      overall.histogram.record(micros);
      rec.histogram.record(micros);
      if (end > lastEnd) lastEnd = end;
    }
    if ('error' in reply) {
      if (measured) {
        overall.error(reply.error);
        rec?.error(reply.error);
      }
      await sleep(5); // a refused or reset connection fails at once: don't spin
      return undefined;
    }
    if (!expect.includes(reply.status)) {
      if (measured) {
        overall.error(String(reply.status));
        rec?.error(String(reply.status));
      }
      return undefined;
    }
    return reply;
  };

  /** Marks a measured request that answered with the expected status as wrong after all. */
  const wrongBody = (op: Op, start: bigint, kind: string): void => {
    if (start < measureStart || start >= deadline) return;
    overall.error(kind);
    byOp.get(op)?.error(kind);
  };

  const before = (): boolean => process.hrtime.bigint() < deadline;

  const postWorker = async (w: number): Promise<void> => {
    for (let n = 0; before(); n++) {
      const reply = await call('createUser', [201], 'POST', '/Users', userBody(`bench.${options.nonce}.w${w}.u${n}@example.test`, n));
      if (reply && idOf(reply.body) !== undefined) usersCreated += 1;
    }
  };

  const mixWorker = async (w: number): Promise<void> => {
    const createGroup = async (): Promise<string | undefined> => {
      const reply = await call(
        'createGroup',
        [201],
        'POST',
        '/Groups',
        JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: `Bench ${options.nonce} worker ${w}`, members: [] }),
      );
      return reply ? idOf(reply.body) : undefined;
    };
    let groupId = await createGroup();
    let pending: string[] = [];
    for (let n = 0; before(); n++) {
      const userName = `bench.${options.nonce}.w${w}.u${n}@example.test`;

      const filterStart = process.hrtime.bigint();
      const found = await call('filter', [200], 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      if (found && totalResultsOf(found.body) !== 0) wrongBody('filter', filterStart, 'nonempty');
      if (!before()) break;

      const created = await call('createUser', [201], 'POST', '/Users', userBody(userName, n));
      const id = created ? idOf(created.body) : undefined;
      if (id !== undefined) {
        usersCreated += 1;
        if (!before()) break;
        await call(
          'patchUser',
          [200, 204],
          'PATCH',
          `/Users/${encodeURIComponent(id)}`,
          JSON.stringify({
            schemas: [PATCH_SCHEMA],
            Operations: [
              { op: 'Replace', path: 'title', value: pick(TITLES, n + w) },
              { op: 'replace', path: 'name.familyName', value: `${pick(FAMILY, n + 3)}-${w}` },
            ],
          }),
        );
        if (n % 5 === 4 && before()) {
          await call(
            'deactivate',
            [200, 204],
            'PATCH',
            `/Users/${encodeURIComponent(id)}`,
            JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }),
          );
        }
        pending.push(id);
        if (pending.length >= 100 && before()) {
          groupId ??= await createGroup();
          if (groupId !== undefined && before()) {
            await call(
              'patchGroup',
              [200, 204],
              'PATCH',
              `/Groups/${encodeURIComponent(groupId)}`,
              JSON.stringify({
                schemas: [PATCH_SCHEMA],
                Operations: [{ op: 'Add', path: 'members', value: pending.map((value) => ({ value })) }],
              }),
            );
          }
          pending = [];
        }
      }

      if (n % 20 === 19 && before()) {
        // Walk full pages of what exists (startIndex 1, 101, 201, …), like an IdP's import.
        const pages = Math.max(1, Math.floor(usersCreated / 100));
        const page = (listCalls++ * 7919) % pages;
        await call('list', [200], 'GET', `/Users?startIndex=${1 + page * 100}&count=100`);
      }
    }
  };

  const worker = options.scenario === 'post' ? postWorker : mixWorker;
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  agent.destroy();

  const seconds = Math.max(Number(lastEnd - measureStart) / 1e9, 1e-9);
  const stats = overall.stats();
  const ops: Partial<Record<Op, Stats>> = {};
  for (const op of OPS) {
    const rec = byOp.get(op);
    if (rec) ops[op] = rec.stats();
  }
  return { ...stats, seconds, rps: stats.requests / seconds, usersCreated, byOp: ops };
}
