import type { UserFilter as StoreUserFilter } from '../store/store.ts';
import { clampPage, type CoreContext } from './context.ts';
import type { Audit } from './audit.ts';
import type { Department, Directory, Role } from './directory.ts';
import type { Outbox } from './outbox.ts';
import { CoreError } from './errors.ts';
import { assertMayTouchSuperuser, assertNotApiKey, isSuperActor, SYSTEM, type Actor } from './actor.ts';
import type { Auth } from './auth.ts';
import { checkPasswordShape } from './passwords.ts';
import { stampOf } from './ports.ts';
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

export type UserFilter = StoreUserFilter;

export interface PageItem {
  user: User;
  roles: Role[];
  department: Department | undefined;
}

const RESET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*';

export function createUsers(ctx: CoreContext, deps: { audit: Audit; directory: Directory; outbox: Outbox; auth: Auth }) {
  const { store, clock, random, hasher, policy, cache } = ctx;
  const { audit, directory, outbox, auth } = deps;

  async function row(id: number): Promise<UserRow> {
    const r = await store.users.byId(id);
    if (!r) throw new CoreError('not_found', { entity: 'user', id });
    return r;
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

  function list(filter: UserFilter): Promise<{ total: number; items: User[] }> {
    return store.users.list({ ...filter, ...clampPage(policy, filter.page, filter.pageSize) }).then((p) => ({ total: p.total, items: p.items.map(toUser) }));
  }

  /** A page with its roles and departments: one read of each, no query per row. */
  async function loadPage(filter: UserFilter): Promise<{ total: number; items: PageItem[] }> {
    const { total, items } = await list(filter);
    const roles = await directory.rolesOf(items.map((u) => u.id));
    const depts = await directory.departments(items.flatMap((u) => (u.deptId === null ? [] : [u.deptId])));
    return { total, items: items.map((user) => ({ user, roles: roles.get(user.id)!, department: user.deptId === null ? undefined : depts.get(user.deptId) })) };
  }

  /**
   * A caller who is not a superuser may give a user only roles whose every permission it holds itself, so a role
   * that means power on another door (v1auth `admin`, say) is never handed out by someone who lacks that power.
   */
  async function assertMayGrant(actor: Actor, roleIds: number[], already: number[] = []): Promise<void> {
    if (actor.kind !== 'user' || isSuperActor(actor)) return;
    const added = roleIds.filter((id) => !already.includes(id));
    if (added.length === 0) return;
    const held = actor.permissions ?? new Set((await directory.permissionsOf(actor.user.id)).map((p) => p.name));
    for (const roleId of added) {
      if ((await directory.permissionsOfRole(roleId)).some((p) => !held.has(p.name))) throw new CoreError('forbidden', { reason: 'grant', roleId });
    }
  }

  /** `onlyUninitialised`: refused (conflict) once the gateway has been initialised, checked in the same transaction. */
  async function createUser(input: NewUser, actor: Actor, opts: { onlyUninitialised?: boolean } = {}): Promise<User> {
    assertNotApiKey(actor);
    assertMayTouchSuperuser(actor, false, input.isSuperuser === true);
    await assertMayGrant(actor, input.roleIds ?? []);
    checkPasswordShape(input.password);
    const passwordHash = await hasher.hash(input.password);
    const created = await store.users.create(
      {
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
      },
      [...new Set(input.roleIds ?? [])],
      stampOf(clock),
      opts,
    );
    await audit.record('user.created', created.id, created.username);
    return toUser(created);
  }

  return {
    /** Remembered until the user changes: an authenticated read of a user is a cache hit on any store. */
    get: (id: number): User | undefined | Promise<User | undefined> =>
      cache.remember(`user|${id}`, [`user:${id}`, 'users'], async () => {
        const r = await store.users.byId(id);
        return r && toUser(r);
      }),
    byEmail: async (email: string): Promise<User | undefined> => {
      const r = await store.users.byEmail(email);
      return r && toUser(r);
    },
    byUsername: async (username: string): Promise<User | undefined> => {
      const r = await store.users.byUsername(username);
      return r && toUser(r);
    },

    list,

    /** Has the gateway been initialised (a superuser has existed, or a fixture set was loaded)? */
    initialised: () => store.facts.has('initialised'),

    /** The one-time set-up of a superuser on an uninitialised gateway; a conflict afterwards, whatever users exist. */
    initialise: (username: string, password: string): Promise<User> => createUser({ username, email: null, password, isSuperuser: true }, SYSTEM, { onlyUninitialised: true }),

    /** A page of users with their roles and departments, remembered until a user, role or department changes. */
    page(filter: UserFilter): { total: number; items: PageItem[] } | Promise<{ total: number; items: PageItem[] }> {
      // A login stamps its user's row (last login): the page holds on to each of its users too.
      const tags = (p: { items: PageItem[] }) => ['users', 'rbac', ...p.items.map((i) => `user:${i.user.id}`)];
      return cache.remember(`page|${JSON.stringify(filter)}`, tags, () => loadPage(filter));
    },

    create: createUser,

    async update(id: number, patch: UserPatch, actor: Actor): Promise<User> {
      const { roleIds, ...fields } = patch;
      if (roleIds) await assertMayGrant(actor, roleIds, ((await directory.rolesOf([id])).get(id) ?? []).map((r) => r.id));
      const { after } = await store.users.update(id, fields, roleIds && [...new Set(roleIds)], stampOf(clock), (before) =>
        assertMayTouchSuperuser(actor, before.isSuperuser, patch.isSuperuser === true),
      );
      await audit.record('user.updated', id, after.username, { fields: Object.keys(patch) });
      return toUser(after);
    },

    /** Hard delete: roles, sessions, keys and counters go with the user (foreign-key cascade). */
    async delete(id: number, actor: Actor): Promise<void> {
      const r = await store.users.delete(id, (target) => assertMayTouchSuperuser(actor, target.isSuperuser));
      await audit.record('user.deleted', id, r.username);
    },

    /**
     * Needs the current password, checked as a login is (a wrong one counts toward the shared lockout, a locked
     * account is refused); every other session of the user ends (`keepSession` stays).
     */
    async changePassword(id: number, current: string, next: string, actor: Actor, keepSession?: string): Promise<void> {
      assertNotApiKey(actor);
      const r = await row(id);
      await auth.verifyCurrentPassword(id, current);
      checkPasswordShape(next);
      await store.users.setPassword(id, await hasher.hash(next), stampOf(clock), 'password', keepSession);
      await audit.record('password.changed', id, r.username);
    },

    /**
     * A one-time password valid for `ttlMs` beside the current one (the first login with it consumes it);
     * every token of the user is revoked, and with `mail` the password goes to the outbox.
     */
    async issueTemporaryPassword(id: number, opts: { ttlMs: number; mail: boolean }, actor: Actor): Promise<string> {
      assertNotApiKey(actor);
      const r = await row(id);
      assertMayTouchSuperuser(actor, r.isSuperuser);
      const password = randomPassword(12);
      await store.users.setTemporaryPassword(id, await hasher.hash(password), clock.now() + opts.ttlMs, stampOf(clock));
      if (opts.mail && r.email) {
        await outbox.send(r.email, 'Your temporary password', `Hello ${r.username}, your temporary password is: ${password}`, 'temporary_password');
      }
      await audit.record('password.reset', id, r.username, { temporary: true });
      return password;
    },

    /**
     * Sets a random password, revokes every token of the user and mails the password through the outbox.
     * Returns the password so a dialect that shows it may; one that does not simply drops it.
     */
    async resetPassword(id: number, actor: Actor, opts: { refuseSuperuser?: boolean; length?: number; mail?: boolean } = {}): Promise<string> {
      assertNotApiKey(actor);
      const r = await row(id);
      if (opts.refuseSuperuser && r.isSuperuser) throw new CoreError('forbidden', { reason: 'superuser' });
      assertMayTouchSuperuser(actor, r.isSuperuser);
      const password = randomPassword(opts.length ?? 12);
      await store.users.setPassword(id, await hasher.hash(password), stampOf(clock), 'password_reset');
      if ((opts.mail ?? true) && r.email) {
        await outbox.send(r.email, 'Your password has been reset', `Hello ${r.username}, your new password is: ${password}`, 'password_reset');
      }
      await audit.record('password.reset', id, r.username);
      return password;
    },
  };
}
export type Users = ReturnType<typeof createUsers>;
