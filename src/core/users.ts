import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import { loginFailures, userRoles, users } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';
import type { Audit } from './audit.ts';
import type { Department, Directory, Role } from './directory.ts';
import type { Outbox } from './outbox.ts';
import type { ApiKeys } from './api-keys.ts';
import type { Sessions } from './sessions.ts';
import { CoreError } from './errors.ts';
import { assertMayTouchSuperuser, assertNotApiKey, SYSTEM, type Actor } from './actor.ts';
import type { Auth } from './auth.ts';
import type { Facts } from './facts.ts';
import { checkPasswordShape } from './passwords.ts';
import { toUser, type User, type UserRow } from './users-view.ts';

export type UserStatus = UserRow['status'];

/** What a user may be given at creation and changed later. */
interface UserFields {
  status?: UserStatus;
  isSuperuser?: boolean;
  /** Replaces every role when given. */
  roleIds?: number[];
  deptId?: number | null;
  alias?: string | null;
  phone?: string | null;
  realName?: string | null;
  position?: string | null;
}

export interface NewUser extends UserFields {
  username: string;
  email: string | null;
  password: string;
}

export interface UserPatch extends UserFields {
  username?: string;
  email?: string | null;
}

export interface UserFilter {
  page: number;
  pageSize: number;
  usernameContains?: string;
  emailContains?: string;
  deptId?: number;
  status?: UserStatus;
}

const RESET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*';

const likePattern = (needle: string) => '%' + needle.replace(/[\\%_]/g, (c) => '\\' + c) + '%';

export function createUsers(
  ctx: CoreContext,
  deps: { audit: Audit; directory: Directory; sessions: Sessions; outbox: Outbox; apiKeys: ApiKeys; facts: Facts; auth: Auth },
) {
  const { db, clock, random, hasher, policy, cache } = ctx;
  const { audit, directory, sessions, outbox, apiKeys, facts, auth } = deps;

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

  function row(id: number): UserRow {
    const r = db.select().from(users).where(eq(users.id, id)).get();
    if (!r) throw new CoreError('not_found', { entity: 'user', id });
    return r;
  }

  /** Email is checked before username, as the legacy servers did. */
  function assertUnique(username: string | undefined, email: string | null | undefined, exceptId?: number): void {
    const taken = (cond: SQL) => {
      const hit = db.select({ id: users.id }).from(users).where(cond).get();
      return hit !== undefined && hit.id !== exceptId;
    };
    if (email && taken(eq(users.email, email))) throw new CoreError('conflict', { field: 'email' });
    if (username !== undefined && taken(eq(users.username, username))) throw new CoreError('conflict', { field: 'username' });
  }

  function requireDept(deptId: number | null | undefined): void {
    if (deptId != null && !directory.department(deptId)) throw new CoreError('not_found', { entity: 'department', id: deptId });
  }

  function replaceRoles(userId: number, roleIds: number[]): void {
    directory.requireRoles(roleIds);
    const now = clock.now();
    db.delete(userRoles).where(eq(userRoles.userId, userId)).run();
    for (const roleId of new Set(roleIds)) db.insert(userRoles).values({ userId, roleId, addedAt: now }).run();
  }

  function setPasswordHash(userId: number, passwordHash: string, keepSession?: string): void {
    db.transaction(() => {
      db.update(users).set({ passwordHash, tempPasswordHash: null, tempPasswordExpiresAt: null, updatedAt: clock.now() }).where(eq(users.id, userId)).run();
      db.delete(loginFailures).where(eq(loginFailures.userId, userId)).run();
      sessions.revokeUser(userId, 'password', keepSession);
    });
  }

  function randomPassword(length: number): string {
    let out = '';
    while (out.length < length) {
      for (const b of random.bytes(length * 2)) {
        if (b < 256 - (256 % RESET_ALPHABET.length) && out.length < length) out += RESET_ALPHABET[b % RESET_ALPHABET.length];
      }
    }
    return out;
  }

  function list(filter: UserFilter): { total: number; items: User[] } {
    const pageSize = Math.min(Math.max(filter.pageSize, 1), policy.maxPageSize);
    const page = Math.max(filter.page, 1);
    const q = listQuery(filter);
    const params = {
      username: likePattern(filter.usernameContains ?? ''),
      email: likePattern(filter.emailContains ?? ''),
      deptId: filter.deptId ?? 0,
      status: filter.status ?? 'active',
      limit: pageSize,
      offset: (page - 1) * pageSize,
    };
    const total = q.count.get(params)?.n ?? 0;
    return { total, items: q.page.all(params).map(toUser) };
  }

  /** `onlyUninitialised`: refused (conflict) once the gateway has been initialised, checked in the same transaction. */
  async function createUser(input: NewUser, actor: Actor, opts: { onlyUninitialised?: boolean } = {}): Promise<User> {
    assertMayTouchSuperuser(actor, false, input.isSuperuser === true);
    checkPasswordShape(input.password);
    const passwordHash = await hasher.hash(input.password);
    const user = db.transaction(() => {
      if (opts.onlyUninitialised && facts.has('initialised')) throw new CoreError('conflict', { field: 'initialised' });
      assertUnique(input.username, input.email);
      requireDept(input.deptId);
      const now = clock.now();
      const created = db
        .insert(users)
        .values({
          uuid: random.uuid(),
          username: input.username,
          email: input.email,
          passwordHash,
          status: input.status ?? 'active',
          isSuperuser: input.isSuperuser ?? false,
          deptId: input.deptId ?? null,
          alias: input.alias ?? null,
          phone: input.phone ?? null,
          realName: input.realName ?? null,
          position: input.position ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      replaceRoles(created.id, input.roleIds ?? []);
      if (created.isSuperuser) facts.record('initialised');
      return toUser(created);
    });
    audit.record('user.created', user.id, user.username);
    return user;
  }

  return {
    get(id: number): User | undefined {
      const r = db.select().from(users).where(eq(users.id, id)).get();
      return r && toUser(r);
    },

    byEmail(email: string): User | undefined {
      const r = db.select().from(users).where(eq(users.email, email)).get();
      return r && toUser(r);
    },

    byUsername(username: string): User | undefined {
      const r = db.select().from(users).where(eq(users.username, username)).get();
      return r && toUser(r);
    },

    list,

    /** Has the gateway been initialised (a superuser has existed, or a fixture set was loaded)? */
    initialised: () => facts.has('initialised'),

    /** The one-time set-up of a superuser on an uninitialised gateway; a conflict afterwards, whatever users exist. */
    initialise: (username: string, password: string): Promise<User> =>
      createUser({ username, email: null, password, isSuperuser: true }, SYSTEM, { onlyUninitialised: true }),

    /** A page of users with their roles and departments, read in one snapshot and remembered until a write. */
    page(filter: UserFilter): { total: number; items: { user: User; roles: Role[]; department: Department | undefined }[] } {
      return cache.remember(`page|${JSON.stringify(filter)}`, () => db.transaction(() => {
        const { total, items } = list(filter);
        const roles = directory.rolesOf(items.map((u) => u.id));
        const depts = directory.departments(items.flatMap((u) => (u.deptId === null ? [] : [u.deptId])));
        return {
          total,
          items: items.map((user) => ({ user, roles: roles.get(user.id)!, department: user.deptId === null ? undefined : depts.get(user.deptId) })),
        };
      }));
    },

    create: createUser,

    update(id: number, patch: UserPatch, actor: Actor): User {
      const user = db.transaction(() => {
        const before = row(id);
        assertMayTouchSuperuser(actor, before.isSuperuser, patch.isSuperuser === true);
        assertUnique(patch.username, patch.email, id);
        requireDept(patch.deptId);
        const { roleIds, ...fields } = patch;
        const after = db.update(users).set({ ...fields, updatedAt: clock.now() }).where(eq(users.id, id)).returning().get()!;
        if (roleIds !== undefined) replaceRoles(id, roleIds);
        if (before.status === 'active' && after.status !== 'active') {
          sessions.revokeUser(id, 'status');
          apiKeys.disableAllOf(id);
        }
        if (after.status === 'active' && before.status === 'locked') db.delete(loginFailures).where(eq(loginFailures.userId, id)).run();
        if (after.isSuperuser) facts.record('initialised');
        return toUser(after);
      });
      audit.record('user.updated', id, user.username, { fields: Object.keys(patch) });
      return user;
    },

    /** Hard delete: roles, sessions, keys and counters go with the user (foreign-key cascade). */
    delete(id: number, actor: Actor): void {
      const r = row(id);
      assertMayTouchSuperuser(actor, r.isSuperuser);
      db.delete(users).where(eq(users.id, id)).run();
      audit.record('user.deleted', id, r.username);
    },

    /**
     * Needs the current password, checked as a login is (a wrong one counts toward the shared lockout, a locked
     * account is refused); every other session of the user ends (`keepSession` stays).
     */
    async changePassword(id: number, current: string, next: string, actor: Actor, keepSession?: string): Promise<void> {
      assertNotApiKey(actor);
      const r = row(id);
      await auth.verifyCurrentPassword(id, current);
      checkPasswordShape(next);
      setPasswordHash(id, await hasher.hash(next), keepSession);
      audit.record('password.changed', id, r.username);
    },

    /**
     * A one-time password valid for `ttlMs` beside the current one (the first login with it consumes it);
     * every token of the user is revoked, and with `mail` the password goes to the outbox.
     */
    async issueTemporaryPassword(id: number, opts: { ttlMs: number; mail: boolean }, actor: Actor): Promise<string> {
      assertNotApiKey(actor);
      const r = row(id);
      assertMayTouchSuperuser(actor, r.isSuperuser);
      const password = randomPassword(12);
      const tempPasswordHash = await hasher.hash(password);
      db.transaction(() => {
        db.update(users).set({ tempPasswordHash, tempPasswordExpiresAt: clock.now() + opts.ttlMs, updatedAt: clock.now() }).where(eq(users.id, id)).run();
        sessions.revokeUser(id, 'password_reset');
      });
      if (opts.mail && r.email) {
        outbox.send(r.email, 'Your temporary password', `Hello ${r.username}, your temporary password is: ${password}`, 'temporary_password');
      }
      audit.record('password.reset', id, r.username, { temporary: true });
      return password;
    },

    /**
     * Sets a random password, revokes every token of the user and mails the password through the outbox.
     * Returns the password so a dialect that shows it may; one that does not simply drops it.
     */
    async resetPassword(id: number, actor: Actor, opts: { refuseSuperuser?: boolean; length?: number; mail?: boolean } = {}): Promise<string> {
      assertNotApiKey(actor);
      const r = row(id);
      if (opts.refuseSuperuser && r.isSuperuser) throw new CoreError('forbidden', { reason: 'superuser' });
      assertMayTouchSuperuser(actor, r.isSuperuser);
      const password = randomPassword(opts.length ?? 12);
      setPasswordHash(id, await hasher.hash(password));
      if ((opts.mail ?? true) && r.email) {
        outbox.send(r.email, 'Your password has been reset', `Hello ${r.username}, your new password is: ${password}`, 'password_reset');
      }
      audit.record('password.reset', id, r.username);
      return password;
    },
  };
}
export type Users = ReturnType<typeof createUsers>;
