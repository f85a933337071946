import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import { CoreError } from '../../core/errors.ts';
import type { Tag, UserFieldsPatch, UserFilter, UserRow, UserStore } from '../store.ts';
import { disableKeysOf } from './api-keys.ts';
import { likePattern, offsetOf, snapshot, type Ctx, type Tx } from './conn.ts';
import { replaceUserRoles, requireDepartment, requireRoles } from './directory.ts';
import { hasFact, recordFact } from './facts.ts';
import { apiKeys, loginFailures, sessions, users } from './schema.ts';
import { revokeSessionsOf } from './sessions.ts';

const PATCHABLE = ['username', 'email', 'status', 'isSuperuser', 'deptId', 'alias', 'phone', 'realName', 'position'] as const;

/**
 * E-mail is checked before username, as the legacy servers did: conflict {field}. (A concurrent insert of the same
 * name that commits after this check makes the insert's unique violation, translated to the same conflict.)
 */
async function assertUnique(tx: Tx, username: string | undefined, email: string | null | undefined, exceptId?: number): Promise<void> {
  const taken = async (cond: SQL) => {
    const [hit] = await tx.select({ id: users.id }).from(users).where(cond);
    return hit !== undefined && hit.id !== exceptId;
  };
  if (email && (await taken(eq(users.email, email)))) throw new CoreError('conflict', { field: 'email' });
  if (username !== undefined && (await taken(eq(users.username, username)))) throw new CoreError('conflict', { field: 'username' });
}

/** Every session of the user revoked (but `exceptSession`) and tokensValidAfter = now; the caller's transaction. */
async function revokeAllOf(tx: Tx, id: number, now: number, reason: string, exceptSession: string | undefined, tags: Set<Tag>): Promise<boolean> {
  const changed = await tx.update(users).set({ tokensValidAfter: now }).where(eq(users.id, id)).returning({ id: users.id });
  if (!changed.length) return false;
  await revokeSessionsOf(tx, id, now, reason, exceptSession, tags);
  tags.add(`user:${id}`).add('users');
  return true;
}

/** Users, and the multi-step writes on them with their effects, each in one transaction. */
export function createUserStore({ db, write }: Ctx): UserStore {
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare('dg_user_by_id');
  const byUuid = db.select().from(users).where(eq(users.uuid, sql.placeholder('uuid'))).prepare('dg_user_by_uuid');
  const byUsername = db.select().from(users).where(eq(users.username, sql.placeholder('username'))).prepare('dg_user_by_username');
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder('email'))).prepare('dg_user_by_email');

  // One count and one page statement per combination of filters, built on first use (run in a snapshot, so not
  // prepared on the pool: a transaction's statements must go through its own connection).
  function listQuery(tx: Tx, f: UserFilter) {
    const conds: SQL[] = [];
    if (f.usernameContains) conds.push(sql`${users.username} ilike ${likePattern(f.usernameContains)} escape '\\'`);
    if (f.emailContains) conds.push(sql`${users.email} ilike ${likePattern(f.emailContains)} escape '\\'`);
    if (f.deptId !== undefined) conds.push(eq(users.deptId, f.deptId));
    if (f.status !== undefined) conds.push(eq(users.status, f.status));
    const where = conds.length ? and(...conds) : undefined;
    return {
      count: tx.select({ n: count() }).from(users).where(where),
      page: tx.select().from(users).where(where).orderBy(desc(users.createdAt), desc(users.id)).limit(f.pageSize).offset(offsetOf(f)),
    };
  }

  return {
    byId: async (id) => (await byId.execute({ id }))[0],
    byUuid: async (uuid) => (await byUuid.execute({ uuid }))[0],
    byUsername: async (username) => (await byUsername.execute({ username }))[0],
    byEmail: async (email) => (await byEmail.execute({ email }))[0],

    /** The count and the page from one snapshot. */
    list(filter) {
      return snapshot(db, async (tx) => {
        const q = listQuery(tx, filter);
        return { total: (await q.count)[0]?.n ?? 0, items: await q.page };
      });
    },

    async create(row, roleIds, now, opts = {}) {
      return write(async (tx, tags) => {
        if (opts.onlyUninitialised) {
          // A superuser claims the fact first: a concurrent initialisation waits on its key, then finds it taken.
          const open = row.isSuperuser ? await recordFact(tx, 'initialised', now) : !(await hasFact(tx, 'initialised'));
          if (!open) throw new CoreError('conflict', { field: 'initialised' });
        }
        await assertUnique(tx, row.username, row.email);
        await requireDepartment(tx, row.deptId);
        await requireRoles(tx, roleIds);
        const [created] = await tx
          .insert(users)
          .values({ ...row, createdAt: now, updatedAt: now })
          .returning();
        await replaceUserRoles(tx, created!.id, roleIds, now);
        if (created!.isSuperuser) await recordFact(tx, 'initialised', now);
        tags.add(`user:${created!.id}`).add('users');
        return created!;
      });
    },

    async update(id, patch, roleIds, now, guard) {
      return write(async (tx, tags) => {
        const [before] = await tx.select().from(users).where(eq(users.id, id)).for('update');
        if (!before) throw new CoreError('not_found', { entity: 'user', id });
        guard(before);
        await assertUnique(tx, patch.username, patch.email, id);
        await requireDepartment(tx, patch.deptId);
        if (roleIds !== undefined) await requireRoles(tx, roleIds);
        const fields: UserFieldsPatch = {};
        for (const k of PATCHABLE) if (patch[k] !== undefined) (fields as Record<string, unknown>)[k] = patch[k];
        const deactivated = before.status === 'active' && (fields.status ?? before.status) !== 'active';
        const [after] = await tx
          .update(users)
          .set({ ...fields, updatedAt: now, ...(deactivated && { tokensValidAfter: now }) })
          .where(eq(users.id, id))
          .returning();
        if (roleIds !== undefined) await replaceUserRoles(tx, id, roleIds, now);
        if (deactivated) {
          await revokeSessionsOf(tx, id, now, 'status', undefined, tags);
          await disableKeysOf(tx, id, now, tags);
        }
        if (before.status === 'locked' && after!.status === 'active') await tx.delete(loginFailures).where(eq(loginFailures.userId, id));
        if (after!.isSuperuser) await recordFact(tx, 'initialised', now);
        tags.add(`user:${id}`).add('users');
        return { before, after: after! satisfies UserRow };
      });
    },

    /** Roles, sessions, keys and counters go with the user (foreign-key cascade); each publishes its tag. */
    async delete(id, guard) {
      return write(async (tx, tags) => {
        const [row] = await tx.select().from(users).where(eq(users.id, id)).for('update');
        if (!row) throw new CoreError('not_found', { entity: 'user', id });
        guard(row);
        const keys = await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.userId, id));
        const live = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, id));
        await tx.delete(users).where(eq(users.id, id));
        for (const k of keys) tags.add(`key:${k.id}`);
        if (keys.length) tags.add('keys');
        for (const s of live) tags.add(`session:${s.id}`);
        tags.add(`user:${id}`).add('users');
        return row;
      });
    },

    async setPassword(id, passwordHash, now, reason, keepSession) {
      await write(async (tx, tags) => {
        const changed = await tx
          .update(users)
          .set({ passwordHash, tempPasswordHash: null, tempPasswordExpiresAt: null, updatedAt: now })
          .where(eq(users.id, id))
          .returning({ id: users.id });
        if (!changed.length) return;
        await tx.delete(loginFailures).where(eq(loginFailures.userId, id));
        await revokeAllOf(tx, id, now, reason, keepSession, tags);
      });
    },

    async setTemporaryPassword(id, hash, expiresAt, now) {
      await write(async (tx, tags) => {
        const changed = await tx
          .update(users)
          .set({ tempPasswordHash: hash, tempPasswordExpiresAt: expiresAt, updatedAt: now })
          .where(eq(users.id, id))
          .returning({ id: users.id });
        if (changed.length) await revokeAllOf(tx, id, now, 'password_reset', undefined, tags);
      });
    },

    async revokeAll(id, now, reason, exceptSession) {
      await write(async (tx, tags) => void (await revokeAllOf(tx, id, now, reason, exceptSession, tags)));
    },
  };
}
