// The control plane's HTTP API (control-plane.md §3, §4): health and version, reset, snapshots, the virtual clock,
// the outbox, per-user security and tenants, on its own listener (never on a dialect port). Every endpoint but
// health, version and tenants acts on the realm the X-Dialectgate-Tenant header names (absent: default); the journal
// and fault routes live in journal-routes.ts and fault-routes.ts.
import { Hono, type Context } from 'hono';
import { stampOf, type ClockScope } from '../core/ports.ts';
import type { Realm } from '../realm.ts';
import { InvalidSnapshotError, type Mail, type Session, type UserRow } from '../store/store.ts';
import { TENANT_HEADER, TenantError, type Tenants } from '../tenants.ts';
import { refuse, type AdminAccess } from './access.ts';
import { resolveRequestFixtures, type SeedPreparer } from './fixtures.ts';
import { mountFaultRoutes } from './fault-routes.ts';
import { mountJournalRoutes } from './journal-routes.ts';
import { AdminError, bad, duration, instant, integer, iso, json, noContent, problem, readBody, readQuery, string } from './http.ts';

export const SNAPSHOT_LIMIT = 100;
export const WAIT_DEFAULT_MS = 5000;
export const WAIT_MAX_MS = 60_000;
const WAIT_POLL_MS = 20;
const KEEPABLE = ['journal', 'faults', 'clock'] as const;
const SQLITE_TYPE = 'application/vnd.sqlite3';
/** Not in this version (other specs, or later slices of issue 10). */
const NOT_YET = ['/__admin/metrics', '/__admin/docs', '/metrics', '/docs'];
/** Not scoped by the tenant header. */
const UNSCOPED = /^\/__admin\/(?:health|version|tenants)(?:\/|$)/;

export interface AdminPlaneOptions {
  tenants: Tenants;
  /** Hashes a set's passwords (once per set). */
  prepare: SeedPreparer;
  access: AdminAccess;
  dataDir: string;
  /** The gateway's --fixtures (a name or a file): what a reset loads when the body names none. */
  fixtures: string;
  /** The gateway's listeners by name (the admin plane's own included once it listens). */
  urls: () => Record<string, string>;
  version: string;
  startedAt: number;
}

interface SnapshotEntry {
  id: string;
  name: string | null;
  tenant: string;
  createdAt: number;
  /** The fixture set the store was last reset to (a restore answers it, as a reset does). */
  fixtures: string | null;
  bytes: Buffer;
}

const SECRET = /(?:temporary password|new password) is: (\S+)\s*$/;

/** The mail as the plane shows it; `secret` is the password it carries (the core writes it last in the body). */
export const mailView = (m: Mail) => ({ id: m.id, at: iso(m.at), to: m.recipient, kind: m.kind, subject: m.subject, body: m.body, secret: SECRET.exec(m.body)?.[1] ?? null });

export function createAdminPlane(opts: AdminPlaneOptions) {
  const { tenants, prepare } = opts;
  const app = new Hono();
  /** Each admin request's realm, set by the first middleware. */
  const realms = new WeakMap<Request, Realm>();
  const snapshots = new Map<string, SnapshotEntry>();
  let snapshotSeq = 0;
  const closing = new AbortController();
  const realmOf = (c: Context): Realm => realms.get(c.req.raw)!;

  const clockView = ({ clock }: Realm) => {
    const s = clock.state();
    return { now: iso(s.now), now_ms: s.now, wall: iso(s.wall), offset_ms: s.offsetMs, frozen: s.frozen, scope: s.scope };
  };

  const snapshotView = (s: SnapshotEntry) => ({ id: s.id, name: s.name, tenant: s.tenant, created_at: iso(s.createdAt) });

  function keepOf(x: unknown): Set<(typeof KEEPABLE)[number]> {
    if (x === undefined) return new Set();
    if (!Array.isArray(x) || !x.every((k) => typeof k === 'string' && (KEEPABLE as readonly string[]).includes(k))) {
      throw bad(`keep must be a list among ${KEEPABLE.map((k) => JSON.stringify(k)).join(', ')}`);
    }
    return new Set(x as (typeof KEEPABLE)[number][]);
  }

  const scopeOf = (x: unknown): ClockScope | undefined => {
    if (x === undefined) return undefined;
    if (x === 'policy' || x === 'all') return x;
    throw bad('scope must be "policy" or "all"');
  };

  /**
   * Replaces the realm's store under its lifecycle gate, which then clears every in-process part (the journal, the
   * fault rules and the clock too, unless kept: the clock goes back to the wall, scope policy).
   */
  async function replaceStore(realm: Realm, keep: Set<string>, replace: () => Promise<void>) {
    await realm.core.lifecycle.exclusive(replace, keep);
    const users = (await realm.store.users.list({ page: 1, pageSize: 1 })).total;
    return { tenant: realm.id, fixtures: realm.fixtures, users, at: iso(stampOf(realm.clock)) };
  }

  async function findUser({ store }: Realm, ref: string): Promise<UserRow> {
    const row = (await store.users.byUsername(ref)) ?? (/^\d{1,15}$/.test(ref) ? await store.users.byId(Number(ref)) : undefined);
    if (!row) throw new AdminError(404, 'not_found', `no user with the username or id ${JSON.stringify(ref)}`);
    return row;
  }

  async function securityView({ core, store, clock }: Realm, row: UserRow) {
    const now = clock.now();
    const state = await store.auth.state(row.id);
    const hard = row.status === 'locked' || state?.lockedUntil === Number.MAX_SAFE_INTEGER;
    const locked = hard || (state?.lockedUntil != null && state.lockedUntil > now);
    const fresh = state !== undefined && (locked || now - state.lastFailureAt <= core.policy.failureResetMs);
    const sessions = await store.admin.sessionsOf(row.id);
    return {
      user: { id: row.id, username: row.username },
      lockout: { locked, locked_until: locked && !hard ? iso(state!.lockedUntil!) : null, failures: fresh ? state.count : 0 },
      sessions: sessions.map((s: Session) => ({ id: s.id, dialect: s.audience === 'openapi-ui' ? 'openapi' : s.audience, expires_at: iso(s.expiresAt), revoked_at: s.revokedAt === null ? null : iso(s.revokedAt) })),
    };
  }

  function mailFilter(q: Record<string, unknown>) {
    const to = q.to === undefined ? undefined : string(q.to, 'to').toLowerCase();
    const kind = q.kind === undefined ? undefined : string(q.kind, 'kind');
    const since = q.since === undefined ? undefined : instant(q.since, 'since');
    const after = q.after === undefined ? undefined : integer(q.after, 'after', 0, Number.MAX_SAFE_INTEGER);
    return (m: Mail) =>
      (to === undefined || m.recipient.toLowerCase() === to) && (kind === undefined || m.kind === kind) && (since === undefined || m.at >= since) && (after === undefined || m.id > after);
  }

  const snapshotOf = (id: string) => {
    const s = snapshots.get(id);
    if (!s) throw new AdminError(404, 'not_found', `no snapshot ${JSON.stringify(id)}`);
    return s;
  };

  // Access first (403, 401), then the tenant header picks the realm (made on first use, as on a dialect port).
  app.use('*', async (c, next) => {
    const refused = refuse(c, opts.access);
    if (refused) return refused;
    const path = new URL(c.req.url).pathname;
    try {
      const realm = await tenants.get(UNSCOPED.test(path) ? undefined : c.req.header(TENANT_HEADER));
      realm.lastUsedAt = Date.now();
      realms.set(c.req.raw, realm);
    } catch (e) {
      if (e instanceof TenantError) return e.response();
      throw e;
    }
    await next();
  });

  app.get('/__admin/health', async (c) => {
    readQuery(c, []);
    const { core, store } = realmOf(c);
    const up = await core.storeReachable().catch(() => false);
    return up ? json(200, { status: 'ok', store: 'ok' }) : problem(503, 'unavailable', `the ${store.kind} store does not answer`);
  });

  app.get('/__admin/version', (c) => {
    readQuery(c, []);
    return json(200, { version: opts.version, node: process.version, store: tenants.default.store.kind, started_at: iso(opts.startedAt), urls: opts.urls() });
  });

  app.post('/__admin/reset', async (c) => {
    const body = await readBody(c, ['fixtures', 'keep']);
    const keep = keepOf(body.keep);
    const { label, set } = resolveRequestFixtures(body.fixtures, opts.fixtures, opts.dataDir);
    const seedSet = await prepare(set);
    const realm = realmOf(c);
    const { store, clock } = realm;
    realm.fixtures = label;
    const answer = await replaceStore(realm, keep, async () => {
      // Record times of the new store: the wall, or the kept clock's stamp.
      await store.admin.reset(seedSet, keep.has('clock') ? stampOf(clock) : clock.wall());
      clock.forgetTokens(); // no earlier token survives a reset
    });
    return json(200, answer);
  });

  app.post('/__admin/snapshots', async (c) => {
    const realm = realmOf(c);
    const { store, clock } = realm;
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let name: string | null = null;
    let bytes: Buffer;
    if (type === SQLITE_TYPE) {
      const q = readQuery(c, ['name']);
      name = q.name ?? null;
      if (store.kind !== 'sqlite') throw new AdminError(400, 'invalid_snapshot', `this gateway's store is ${store.kind}: SQLite database files cannot be restored into it`);
      bytes = Buffer.from(await c.req.arrayBuffer());
      if (bytes.length < 100 || bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') throw new AdminError(400, 'invalid_snapshot', 'the body is not an SQLite database file');
    } else {
      readQuery(c, []);
      const body = await readBody(c, ['name']);
      if (body.name !== undefined && body.name !== null) name = string(body.name, 'name');
      bytes = Buffer.alloc(0);
    }
    if (snapshots.size >= SNAPSHOT_LIMIT) throw new AdminError(503, 'limit_reached', `at most ${SNAPSHOT_LIMIT} snapshots are kept; delete one first`);
    if (bytes.length === 0) bytes = await store.admin.snapshot();
    const entry: SnapshotEntry = { id: `snap_${++snapshotSeq}`, name, tenant: realm.id, createdAt: stampOf(clock), fixtures: realm.fixtures, bytes };
    snapshots.set(entry.id, entry);
    return json(201, snapshotView(entry), { location: `/__admin/snapshots/${entry.id}` });
  });

  app.get('/__admin/snapshots', (c) => {
    readQuery(c, []);
    return json(200, { items: [...snapshots.values()].map(snapshotView) });
  });

  app.get('/__admin/snapshots/:id', (c) => {
    readQuery(c, []);
    return json(200, snapshotView(snapshotOf(c.req.param('id'))));
  });

  app.get('/__admin/snapshots/:id/bytes', (c) => {
    readQuery(c, []);
    const s = snapshotOf(c.req.param('id'));
    const { store } = realmOf(c);
    const type = store.kind === 'sqlite' ? SQLITE_TYPE : 'application/json';
    return new Response(new Uint8Array(s.bytes), { status: 200, headers: { 'content-type': type, 'content-disposition': `attachment; filename="${s.id}.${store.kind === 'sqlite' ? 'db' : 'json'}"`, 'cache-control': 'no-store' } });
  });

  app.post('/__admin/snapshots/:id/restore', async (c) => {
    const s = snapshotOf(c.req.param('id'));
    const body = await readBody(c, ['keep']);
    const keep = keepOf(body.keep);
    const realm = realmOf(c);
    try {
      const previous = realm.fixtures;
      realm.fixtures = s.fixtures;
      const answer = await replaceStore(realm, keep, () => realm.store.admin.restore(s.bytes)).catch((e) => {
        realm.fixtures = previous;
        throw e;
      });
      return json(200, answer);
    } catch (e) {
      if (e instanceof InvalidSnapshotError) throw new AdminError(400, 'invalid_snapshot', e.message);
      throw e;
    }
  });

  app.delete('/__admin/snapshots/:id', (c) => {
    readQuery(c, []);
    snapshotOf(c.req.param('id'));
    snapshots.delete(c.req.param('id'));
    return noContent();
  });

  app.get('/__admin/clock', (c) => {
    readQuery(c, []);
    return json(200, clockView(realmOf(c)));
  });

  app.post('/__admin/clock/:op', async (c) => {
    const op = c.req.param('op');
    const fields: Record<string, string[]> = { set: ['to', 'scope'], advance: ['by', 'scope'], freeze: ['at', 'scope'], resume: ['scope'], reset: ['scope'] };
    if (!fields[op]) throw new AdminError(404, 'not_found', `no clock operation ${JSON.stringify(op)} (set, advance, freeze, resume, reset)`);
    const body = await readBody(c, fields[op]!);
    const scope = scopeOf(body.scope);
    const { clock } = realmOf(c);
    switch (op) {
      case 'set':
        if (body.to === undefined) throw bad('to is required: the instant to set the clock to');
        clock.set(instant(body.to, 'to'), scope);
        break;
      case 'advance':
        if (body.by === undefined) throw bad('by is required: a duration of at least 0');
        clock.advance(duration(body.by, 'by'), scope);
        break;
      case 'freeze':
        clock.freeze(body.at === undefined ? undefined : instant(body.at, 'at'), scope);
        break;
      case 'resume':
        clock.resume(scope);
        break;
      default:
        clock.reset(scope);
    }
    return json(200, clockView(realmOf(c)));
  });

  app.get('/__admin/outbox', async (c) => {
    const q = readQuery(c, ['to', 'kind', 'since', 'after', 'limit']);
    const limit = q.limit === undefined ? undefined : integer(q.limit, 'limit', 1, 1000);
    const items = (await realmOf(c).store.records.mails()).filter(mailFilter(q)).map(mailView);
    return json(200, { items: limit === undefined ? items : items.slice(-limit) });
  });

  app.get('/__admin/outbox/:id', async (c) => {
    readQuery(c, []);
    const raw = c.req.param('id');
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    const mail = (await realmOf(c).store.records.mails()).find((m) => m.id === id);
    if (!mail) throw new AdminError(404, 'not_found', `no mail ${JSON.stringify(raw)}`);
    return json(200, mailView(mail));
  });

  app.post('/__admin/outbox/wait', async (c) => {
    readQuery(c, []);
    const body = await readBody(c, ['to', 'kind', 'since', 'after', 'timeout_ms']);
    const timeoutMs = body.timeout_ms === undefined ? WAIT_DEFAULT_MS : integer(body.timeout_ms, 'timeout_ms', 0, WAIT_MAX_MS);
    const matches = mailFilter(body);
    const { store } = realmOf(c);
    const deadline = Date.now() + timeoutMs; // waits use wall time, whatever the virtual clock does
    const gone = c.req.raw.signal;
    for (;;) {
      const found = (await store.records.mails()).filter(matches);
      if (found.length) return json(200, mailView(found[found.length - 1]!));
      const left = deadline - Date.now();
      if (left <= 0) return problem(408, 'timeout', `no matching mail within ${timeoutMs} ms`);
      if (closing.signal.aborted) return problem(503, 'unavailable', 'the gateway is closing');
      if (gone?.aborted) return problem(408, 'timeout', 'the client went away');
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          closing.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(WAIT_POLL_MS, left));
        closing.signal.addEventListener('abort', done, { once: true });
      });
    }
  });

  app.delete('/__admin/outbox', async (c) => {
    readQuery(c, []);
    await realmOf(c).store.admin.clearOutbox();
    return noContent();
  });

  app.get('/__admin/users/:user/security', async (c) => {
    readQuery(c, []);
    const realm = realmOf(c);
    return json(200, await securityView(realm, await findUser(realm, c.req.param('user'))));
  });

  app.post('/__admin/users/:user/unlock', async (c) => {
    readQuery(c, []);
    await readBody(c, []);
    const realm = realmOf(c);
    const row = await findUser(realm, c.req.param('user'));
    await realm.core.auth.unlock(row.id);
    return json(200, await securityView(realm, row));
  });

  app.post('/__admin/users/:user/revoke-sessions', async (c) => {
    readQuery(c, []);
    await readBody(c, []);
    const realm = realmOf(c);
    const { core, store, clock } = realm;
    const row = await findUser(realm, c.req.param('user'));
    const now = clock.now();
    const live = (await store.admin.sessionsOf(row.id)).filter((s) => s.revokedAt === null && s.expiresAt > now).length;
    await core.sessions.revokeUser(row.id, 'admin');
    return json(200, { revoked: live });
  });

  mountJournalRoutes(app, (c) => realmOf(c).journal);
  mountFaultRoutes(app, (c) => realmOf(c).faults);

  const tenantView = (r: Realm) => ({ id: r.id, created_at: iso(r.createdAt), last_used_at: iso(r.lastUsedAt) });

  app.get('/__admin/tenants', (c) => {
    readQuery(c, []);
    return json(200, { items: tenants.list().map(tenantView) });
  });

  app.delete('/__admin/tenants/:id', async (c) => {
    readQuery(c, []);
    const id = c.req.param('id');
    if (id === 'default') throw new AdminError(409, 'conflict', 'the default tenant cannot be deleted (reset it instead)');
    if (!(await tenants.delete(id))) throw new AdminError(404, 'not_found', `no tenant ${JSON.stringify(id)}`);
    return noContent();
  });

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    if (NOT_YET.some((p) => path === p || path.startsWith(`${p}/`))) {
      return problem(404, 'not_found', `${path} is not available in this version (/metrics and /docs are reserved for the observability and documentation surfaces)`);
    }
    return problem(404, 'not_found', `no admin endpoint ${c.req.method} ${path}`);
  });

  app.onError((err, c) => {
    if (err instanceof AdminError) return problem(err.status, err.code, err.message);
    console.error(`admin: ${c.req.method} ${new URL(c.req.url).pathname}: ${err.name}: ${err.message}`);
    return problem(503, 'unavailable', `${err.name}: ${err.message}`);
  });

  return {
    app,
    /** Ends long polls (the gateway is closing). */
    close: () => closing.abort(),
  };
}
export type AdminPlane = ReturnType<typeof createAdminPlane>;
