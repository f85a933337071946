// A typed client of the control plane (control-plane.md §3): one method per endpoint, the answers as the plane sends
// them, AdminError on an error answer. Framework-free: global fetch only. The CLI (src/cli.ts) is built on it too.
import { AdminError, AdminUnreachableError } from './errors.ts';
import type {
  Clock,
  ClockScope,
  Decision,
  Duration,
  FaultId,
  FaultRule,
  FaultRuleInput,
  Health,
  Instant,
  Items,
  Keep,
  Mail,
  MailFilter,
  MailWait,
  RequestEntry,
  RequestFilter,
  RequestSummary,
  ResetOptions,
  ResetResult,
  SecurityView,
  Snapshot,
  Tenant,
  VersionInfo,
} from './types.ts';

/** The header that scopes an admin (or dialect) request to a tenant. */
export const TENANT_HEADER = 'x-dialectgate-tenant';

export interface AdminClientOptions {
  /** Sent as `Authorization: Bearer <token>` (needed beyond loopback, or when the gateway has --admin-token). */
  token?: string;
  /** Sent as `X-Dialectgate-Tenant` (absent: the default tenant). */
  tenant?: string;
  /** Give up on an answer after this many ms (AdminUnreachableError); none by default. `outbox.wait` adds its wait. */
  timeoutMs?: number;
}

/** A user by username, else by id. */
export type UserRef = string | number;
type Scoped = { scope?: ClockScope };

export interface AdminClient {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  health(): Promise<Health>;
  version(): Promise<VersionInfo>;
  /** Replaces the tenant's whole store with a fixture set; journal, faults and clock too unless kept. */
  reset(options?: ResetOptions): Promise<ResetResult>;
  snapshots: {
    create(options?: { name?: string }): Promise<Snapshot>;
    list(): Promise<Items<Snapshot>>;
    get(id: string): Promise<Snapshot>;
    /** The store's bytes (an SQLite database file on SQLite). */
    bytes(id: string): Promise<Uint8Array>;
    /** Stores an SQLite database file as a snapshot (restore it to load it). */
    upload(bytes: Uint8Array | ArrayBuffer, options?: { name?: string }): Promise<Snapshot>;
    restore(id: string, options?: { keep?: Keep[] }): Promise<ResetResult>;
    delete(id: string): Promise<void>;
  };
  clock: {
    get(): Promise<Clock>;
    set(to: Instant | ({ to: Instant } & Scoped)): Promise<Clock>;
    advance(by: Duration | ({ by: Duration } & Scoped)): Promise<Clock>;
    /** Stops virtual time at `at` (default: now). */
    freeze(at?: Instant | ({ at?: Instant } & Scoped)): Promise<Clock>;
    /** Virtual time runs on from the frozen instant. */
    resume(options?: Scoped): Promise<Clock>;
    /** Back to the wall (scope `policy` unless given). */
    reset(options?: Scoped): Promise<Clock>;
  };
  outbox: {
    list(filter?: MailFilter): Promise<Items<Mail>>;
    get(id: number): Promise<Mail>;
    /** The newest match, at once if there is one; AdminError 408 `timeout` after `timeout_ms` (default 5000). */
    wait(filter?: MailWait): Promise<Mail>;
    clear(): Promise<void>;
  };
  requests: {
    list(filter?: RequestFilter): Promise<Items<RequestSummary>>;
    count(filter?: Omit<RequestFilter, 'limit'>): Promise<{ count: number }>;
    get(id: number): Promise<RequestEntry>;
    /** Why the core denied that request (AdminError 404 if it denied nothing). */
    explain(id: number): Promise<Decision>;
    clear(): Promise<void>;
  };
  faults: {
    list(): Promise<Items<FaultRule>>;
    add(rule: FaultRuleInput): Promise<FaultRule>;
    remove(id: FaultId): Promise<void>;
    clear(): Promise<void>;
  };
  users: {
    security(user: UserRef): Promise<SecurityView>;
    unlock(user: UserRef): Promise<SecurityView>;
    /** Every session of the user, on every dialect; `revoked` counts the live ones. */
    revokeSessions(user: UserRef): Promise<{ revoked: number }>;
  };
  tenants: {
    list(): Promise<Items<Tenant>>;
    /** AdminError 409 `conflict` for `default`. */
    delete(id: string): Promise<void>;
  };
}

type QueryValue = string | number | Date | undefined;
interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  /** POSTs always send one (`{}` at least): the plane reads an empty body as `{}` too, but curl users see the same. */
  json?: Record<string, unknown>;
  bytes?: Uint8Array;
  /** Added to the client's timeout (the outbox wait holds the request that long). */
  waitMs?: number;
  answer: 'json' | 'bytes';
}

const seg = (s: string | number) => encodeURIComponent(String(s));
const out = (x: Instant | undefined) => (x instanceof Date ? x.toISOString() : x);
/** Leaves out undefined fields, so the plane sees only what the caller gave (it refuses unknown ones). */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
/** A bare value, or the object form that also carries `scope` (a Date is a value). */
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !(x instanceof Date);

export function createAdminClient(url: string | URL, options: AdminClientOptions = {}): AdminClient {
  const base = String(url).replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.tenant !== undefined) headers[TENANT_HEADER] = options.tenant;

  async function send(call: Call): Promise<unknown> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) q.set(k, String(out(v)));
    const target = `${base}${call.path}${q.size ? `?${q}` : ''}`;
    const h = { ...headers };
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (call.bytes) {
      h['content-type'] = 'application/vnd.sqlite3';
      body = new Uint8Array(call.bytes);
    } else if (call.json) {
      h['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    }
    const limit = options.timeoutMs === undefined ? undefined : options.timeoutMs + (call.waitMs ?? 0);
    let res: Response;
    let bytes: Uint8Array;
    try {
      res = await fetch(target, { method: call.method, headers: h, body, ...(limit !== undefined && { signal: AbortSignal.timeout(limit) }) });
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${limit} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new AdminUnreachableError(base, why, { cause: e });
    }
    const text = () => Buffer.from(bytes).toString('utf8');
    if (!res.ok) throw errorOf(res, text());
    if (call.answer === 'bytes') return bytes;
    if (res.status === 204 || bytes.length === 0) return undefined;
    try {
      return JSON.parse(text()) as unknown;
    } catch {
      throw new AdminError(res.status, `http_${res.status}`, `expected JSON from ${call.method} ${call.path}, got: ${text().slice(0, 200)}`);
    }
  }

  const get = <T>(path: string, query?: Record<string, QueryValue>) => send({ method: 'GET', path, query, answer: 'json' }) as Promise<T>;
  const post = <T>(path: string, json: Record<string, unknown> = {}) => send({ method: 'POST', path, json: defined(json), answer: 'json' }) as Promise<T>;
  const del = (path: string) => send({ method: 'DELETE', path, answer: 'json' }) as Promise<void>;
  const A = '/__admin';
  const clockOp = (op: string, field: string, arg: unknown) => {
    const o = isObject(arg) ? arg : { [field]: arg };
    return post<Clock>(`${A}/clock/${op}`, { ...o, [field]: out(o[field] as Instant | undefined) });
  };
  const mailQuery = (f: MailFilter = {}) => ({ to: f.to, kind: f.kind, since: f.since, after: f.after, limit: f.limit });
  const requestQuery = (f: RequestFilter = {}) => ({ dialect: f.dialect, method: f.method, path: f.path, status: f.status, user: f.user, since: f.since, after: f.after, limit: f.limit });

  return {
    url: base,
    health: () => get(`${A}/health`),
    version: () => get(`${A}/version`),
    reset: (o = {}) => post(`${A}/reset`, { fixtures: o.fixtures, keep: o.keep }),
    snapshots: {
      create: (o = {}) => post(`${A}/snapshots`, { name: o.name }),
      list: () => get(`${A}/snapshots`),
      get: (id) => get(`${A}/snapshots/${seg(id)}`),
      bytes: (id) => send({ method: 'GET', path: `${A}/snapshots/${seg(id)}/bytes`, answer: 'bytes' }) as Promise<Uint8Array>,
      upload: (data, o = {}) =>
        send({ method: 'POST', path: `${A}/snapshots`, query: { name: o.name }, bytes: data instanceof Uint8Array ? data : new Uint8Array(data), answer: 'json' }) as Promise<Snapshot>,
      restore: (id, o = {}) => post(`${A}/snapshots/${seg(id)}/restore`, { keep: o.keep }),
      delete: (id) => del(`${A}/snapshots/${seg(id)}`),
    },
    clock: {
      get: () => get(`${A}/clock`),
      set: (to) => clockOp('set', 'to', to),
      advance: (by) => post(`${A}/clock/advance`, isObject(by) ? by : { by }),
      freeze: (at) => clockOp('freeze', 'at', at),
      resume: (o = {}) => post(`${A}/clock/resume`, o),
      reset: (o = {}) => post(`${A}/clock/reset`, o),
    },
    outbox: {
      list: (f) => get(`${A}/outbox`, mailQuery(f)),
      get: (id) => get(`${A}/outbox/${seg(id)}`),
      wait: (f = {}) => {
        const json = defined({ ...f, since: out(f.since) });
        return send({ method: 'POST', path: `${A}/outbox/wait`, json, waitMs: f.timeout_ms ?? 5000, answer: 'json' }) as Promise<Mail>;
      },
      clear: () => del(`${A}/outbox`),
    },
    requests: {
      list: (f) => get(`${A}/requests`, requestQuery(f)),
      count: (f) => get(`${A}/requests/count`, requestQuery(f)),
      get: (id) => get(`${A}/requests/${seg(id)}`),
      explain: (id) => get(`${A}/requests/${seg(id)}/explain`),
      clear: () => del(`${A}/requests`),
    },
    faults: {
      list: () => get(`${A}/faults`),
      add: (rule) => post(`${A}/faults`, { ...rule }),
      remove: (id) => del(`${A}/faults/${seg(id)}`),
      clear: () => del(`${A}/faults`),
    },
    users: {
      security: (user) => get(`${A}/users/${seg(user)}/security`),
      unlock: (user) => post(`${A}/users/${seg(user)}/unlock`),
      revokeSessions: (user) => post(`${A}/users/${seg(user)}/revoke-sessions`),
    },
    tenants: {
      list: () => get(`${A}/tenants`),
      delete: (id) => del(`${A}/tenants/${seg(id)}`),
    },
  };
}

/** The plane's `{"error":{"code","message"}}`, else `http_<status>` with the answer's text (at most 200 characters). */
function errorOf(res: Response, text: string): AdminError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error.code === 'string') {
      return new AdminError(res.status, parsed.error.code as AdminError['code'], typeof parsed.error.message === 'string' ? parsed.error.message : res.statusText || 'error');
    }
  } catch {
    // not JSON: the text below
  }
  const t = text.trim();
  return new AdminError(res.status, `http_${res.status}`, t ? (t.length > 200 ? `${t.slice(0, 200)}…` : t) : res.statusText || 'error');
}
