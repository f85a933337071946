import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import { CoreError } from '../../core/errors.ts';
import type { Tag, UserFieldsPatch, UserFilter, UserRow, UserStore } from '../store.ts';
import { disableKeysOf } from './api-keys.ts';
import { likePattern, offsetOf, type Conn, type Ctx } from './conn.ts';
import { replaceUserRoles, requireDepartment, requireRoles } from './directory.ts';
import { hasFact, recordFact } from './facts.ts';
import { apiKeys, loginFailures, sessions, users } from './schema.ts';
import { revokeSessionsOf } from './sessions.ts';

const PATCHABLE = ['username', 'email', 'status', 'isSuperuser', 'deptId', 'alias', 'phone', 'realName', 'position'] as const;

/** E-mail is checked before username, as the legacy servers did: conflict {field}. */
function assertUnique(c: Conn, username: string | undefined, email: string | null | undefined, exceptId?: number): void {
  const taken = (cond: SQL) => {
    const hit = c.select({ id: users.id }).from(users).where(cond).get();
    return hit !== undefined && hit.id !== exceptId;
  };
  if (email && taken(eq(users.email, email))) throw new CoreError('conflict', { field: 'email' });
  if (username !== undefined && taken(eq(users.username, username))) throw new CoreError('conflict', { field: 'username' });
}

/** Every session of the user revoked (but `exceptSession`) and tokensValidAfter = now; the caller's transaction. */
function revokeAllOf(c: Conn, id: number, now: number, reason: string, exceptSession: string | undefined, tags: Set<Tag>): boolean {
  const changed = c.update(users).set({ tokensValidAfter: now }).where(eq(users.id, id)).run().changes > 0;
  if (!changed) return false;
  revokeSessionsOf(c, id, now, reason, exceptSession, tags);
  tags.add(`user:${id}`).add('users');
  return true;
}

/** Users, and the multi-step writes on them with their effects, each in one immediate transaction. */
export function createUserStore({ db, write }: Ctx): UserStore {
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const byUuid = db.select().from(users).where(eq(users.uuid, sql.placeholder('uuid'))).prepare();
  const byUsername = db.select().from(users).where(eq(users.username, sql.placeholder('username'))).prepare();
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder('email'))).prepare();

  // One prepared pair of statements per combination of filters, built on first use.
  const listQueries = new Map<string, ReturnType<typeof prepareList>>();
  function prepareList(f: UserFilter) {
    const conds: SQL[] = [];
    if (f.usernameContains) conds.push(sql`${users.username} like ${sql.placeholder('username')} escape '\\'`);
    if (f.emailContains) conds.push(sql`${users.email} like ${sql.placeholder('email')} escape '\\'`);
    if (f.deptId !== undefined) conds.push(eq(users.deptId, sql.placeholder('deptId')));
    if (f.status !== undefined) conds.push(eq(users.status, sql.placeholder('status')));
    const where = conds.length ? and(...conds) : undefined;
    return {
      count: db.select({ n: count() }).from(users).where(where).prepare(),
      page: db
        .select()
        .from(users)
        .where(where)
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset'))
        .prepare(),
    };
  }
  function listQuery(f: UserFilter) {
    const key = [f.usernameContains, f.emailContains, f.deptId !== undefined, f.status !== undefined].map(Boolean).join();
    let q = listQueries.get(key);
    if (!q) listQueries.set(key, (q = prepareList(f)));
    return q;
  }

  return {
    byId: async (id) => byId.get({ id }),
    byUuid: async (uuid) => byUuid.get({ uuid }),
    byUsername: async (username) => byUsername.get({ username }),
    byEmail: async (email) => byEmail.get({ email }),

    async list(filter) {
      const q = listQuery(filter);
      const params = {
        username: likePattern(filter.usernameContains ?? ''),
        email: likePattern(filter.emailContains ?? ''),
        deptId: filter.deptId ?? 0,
        status: filter.status ?? 'active',
        limit: filter.pageSize,
        offset: offsetOf(filter),
      };
      // The count and the page from one snapshot.
      return db.transaction(() => ({ total: q.count.get(params)?.n ?? 0, items: q.page.all(params) }));
    },

    async create(row, roleIds, now, opts = {}) {
      return write((tx, tags) => {
        if (opts.onlyUninitialised && hasFact(tx, 'initialised')) throw new CoreError('conflict', { field: 'initialised' });
        assertUnique(tx, row.username, row.email);
        requireDepartment(tx, row.deptId);
        requireRoles(tx, roleIds);
        const created = tx
          .insert(users)
          .values({ ...row, createdAt: now, updatedAt: now })
          .returning()
          .get();
        replaceUserRoles(tx, created.id, roleIds, now);
        if (created.isSuperuser) recordFact(tx, 'initialised', now);
        tags.add(`user:${created.id}`).add('users');
        return created;
      });
    },

    async update(id, patch, roleIds, now, guard) {
      return write((tx, tags) => {
        const before = tx.select().from(users).where(eq(users.id, id)).get();
        if (!before) throw new CoreError('not_found', { entity: 'user', id });
        guard(before);
        assertUnique(tx, patch.username, patch.email, id);
        requireDepartment(tx, patch.deptId);
        if (roleIds !== undefined) requireRoles(tx, roleIds);
        const fields: UserFieldsPatch = {};
        for (const k of PATCHABLE) if (patch[k] !== undefined) (fields as Record<string, unknown>)[k] = patch[k];
        const deactivated = before.status === 'active' && (fields.status ?? before.status) !== 'active';
        const after: UserRow = tx
          .update(users)
          .set({ ...fields, updatedAt: now, ...(deactivated && { tokensValidAfter: now }) })
          .where(eq(users.id, id))
          .returning()
          .get()!;
        if (roleIds !== undefined) replaceUserRoles(tx, id, roleIds, now);
        if (deactivated) {
          revokeSessionsOf(tx, id, now, 'status', undefined, tags);
          disableKeysOf(tx, id, now, tags);
        }
        if (before.status === 'locked' && after.status === 'active') tx.delete(loginFailures).where(eq(loginFailures.userId, id)).run();
        if (after.isSuperuser) recordFact(tx, 'initialised', now);
        tags.add(`user:${id}`).add('users');
        return { before, after };
      });
    },

    /** Roles, sessions, keys and counters go with the user (foreign-key cascade); each publishes its tag. */
    async delete(id, guard) {
      return write((tx, tags) => {
        const row = tx.select().from(users).where(eq(users.id, id)).get();
        if (!row) throw new CoreError('not_found', { entity: 'user', id });
        guard(row);
        const keys = tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.userId, id)).all();
        const live = tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, id)).all();
        tx.delete(users).where(eq(users.id, id)).run();
        for (const k of keys) tags.add(`key:${k.id}`);
        if (keys.length) tags.add('keys');
        for (const s of live) tags.add(`session:${s.id}`);
        tags.add(`user:${id}`).add('users');
        return row;
      });
    },

    async setPassword(id, passwordHash, now, reason, keepSession) {
      write((tx, tags) => {
        const changed = tx
          .update(users)
          .set({ passwordHash, tempPasswordHash: null, tempPasswordExpiresAt: null, updatedAt: now })
          .where(eq(users.id, id))
          .run().changes;
        if (!changed) return;
        tx.delete(loginFailures).where(eq(loginFailures.userId, id)).run();
        revokeAllOf(tx, id, now, reason, keepSession, tags);
      });
    },

    async setTemporaryPassword(id, hash, expiresAt, now) {
      write((tx, tags) => {
        const changed = tx
          .update(users)
          .set({ tempPasswordHash: hash, tempPasswordExpiresAt: expiresAt, updatedAt: now })
          .where(eq(users.id, id))
          .run().changes;
        if (changed) revokeAllOf(tx, id, now, 'password_reset', undefined, tags);
      });
    },

    async revokeAll(id, now, reason, exceptSession) {
      write((tx, tags) => void revokeAllOf(tx, id, now, reason, exceptSession, tags));
    },
  };
}
