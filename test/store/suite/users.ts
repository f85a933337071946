import { describe, expect, it } from 'vitest';
import type { UserRow } from '../../../src/store/store.ts';
import { allow, DAY, expectCoreError, expectTags, forbid, names, newKey, newUser, recordTags, T0, type Harness } from './harness.ts';

export function usersSuite(h: Harness) {
  const start = (userId: number, id: string, over: { expiresAt?: number } = {}) =>
    h.store.sessions.start({ id, userId, audience: 'test', currentJti: `${id}-j0`, createdAt: T0, expiresAt: over.expiresAt ?? T0 + DAY });
  const failOnce = (userId: number, now = T0) =>
    h.store.auth.attempt(userId, now, (a) => a.fail({ resetAfterMs: DAY, lockFor: () => null }));

  describe('users: lookups', () => {
    it('byId, byUuid, byUsername and byEmail find the row; unknown values find nothing', async () => {
      const { alice } = h.fx.user;
      const u = h.store.users;
      expect(await u.byId(alice.id)).toEqual(alice);
      expect(await u.byUuid(alice.uuid)).toEqual(alice);
      expect(await u.byUsername('alice')).toEqual(alice);
      expect(await u.byEmail('alice@example.com')).toEqual(alice);
      expect(await u.byId(9999)).toBeUndefined();
      expect(await u.byUuid('00000000-0000-4000-8000-999999999999')).toBeUndefined();
      expect(await u.byUsername('nobody')).toBeUndefined();
      expect(await u.byEmail('nobody@example.com')).toBeUndefined();
    });

    it('a created row carries its fields, zero counters and the creation stamps', async () => {
      const { alice } = h.fx.user;
      expect(alice).toMatchObject({
        username: 'alice',
        email: 'alice@example.com',
        passwordHash: 'hash-of-alice',
        status: 'active',
        isSuperuser: false,
        deptId: h.fx.dept.eng.id,
        realName: 'Alice A.',
        alias: null,
        phone: null,
        position: null,
        lastLoginAt: null,
        loginCount: 0,
        tokensValidAfter: 0,
        tempPasswordHash: null,
        tempPasswordExpiresAt: null,
        createdAt: T0 + 2,
        updatedAt: T0 + 2,
      });
      expect(typeof alice.id).toBe('number');
      expect(h.fx.user.root.isSuperuser).toBe(true);
      expect(h.fx.user.carol.email).toBeNull();
    });
  });

  describe('users.list', () => {
    it('newest first (created_at desc, then id desc), with the total and pages', async () => {
      const list = (page: number, pageSize: number) => h.store.users.list({ page, pageSize });
      const all = await list(1, 10);
      expect(all.total).toBe(5);
      expect(names(all.items)).toEqual(['dave', 'carol', 'bob', 'alice', 'root']);
      const p2 = await list(2, 2);
      expect([p2.total, names(p2.items)]).toEqual([5, ['bob', 'alice']]);
      expect((await list(4, 2)).items).toEqual([]);
      // Same creation time: the higher id first.
      await h.store.users.create(newUser('twin1'), [], T0 + 9);
      await h.store.users.create(newUser('twin2'), [], T0 + 9);
      expect(names((await list(1, 3)).items)).toEqual(['twin2', 'twin1', 'dave']);
    });

    it('usernameContains and emailContains are case-insensitive substrings', async () => {
      const list = (f: object) => h.store.users.list({ page: 1, pageSize: 10, ...f });
      expect(names((await list({ usernameContains: 'LIC' })).items)).toEqual(['alice']);
      expect(names((await list({ usernameContains: 'o' })).items)).toEqual(['carol', 'bob', 'root']);
      expect(names((await list({ emailContains: 'example.ORG' })).items)).toEqual(['bob']);
      expect(names((await list({ emailContains: 'BOB@' })).items)).toEqual(['bob']);
      expect((await list({ usernameContains: 'zzz' })).total).toBe(0);
    });

    it('% _ and \\ in a needle match only themselves', async () => {
      for (const n of ['x_y', 'xzy', 'p%q', 'pzq', 'b\\s', 'bzs']) await h.store.users.create(newUser(n, { email: `${n.replace(/\W/g, '-')}@ex.com` }), [], T0 + 10);
      await h.store.users.create(newUser('mail1', { email: 'e_1@ex.com' }), [], T0 + 10);
      await h.store.users.create(newUser('mail2', { email: 'e21@ex.com' }), [], T0 + 10);
      const list = async (f: object) => names((await h.store.users.list({ page: 1, pageSize: 50, ...f })).items);
      expect(await list({ usernameContains: '_' })).toEqual(['x_y']);
      expect(await list({ usernameContains: 'X_Y' })).toEqual(['x_y']);
      expect(await list({ usernameContains: '%' })).toEqual(['p%q']);
      expect(await list({ usernameContains: 'p%' })).toEqual(['p%q']);
      expect(await list({ usernameContains: '\\' })).toEqual(['b\\s']);
      expect(await list({ emailContains: 'E_1' })).toEqual(['mail1']);
      expect(await list({ emailContains: '%' })).toEqual([]);
    });

    it('deptId and status filter, alone and together with a needle', async () => {
      const list = async (f: object) => {
        const r = await h.store.users.list({ page: 1, pageSize: 10, ...f });
        return [r.total, names(r.items)];
      };
      expect(await list({ deptId: h.fx.dept.eng.id })).toEqual([1, ['alice']]);
      expect(await list({ status: 'inactive' })).toEqual([1, ['carol']]);
      expect(await list({ status: 'locked' })).toEqual([1, ['dave']]);
      expect(await list({ status: 'active' })).toEqual([3, ['bob', 'alice', 'root']]);
      expect(await list({ usernameContains: 'a', status: 'active' })).toEqual([1, ['alice']]);
      expect(await list({ deptId: h.fx.dept.eng.id, status: 'locked' })).toEqual([0, []]);
      expect(await list({ deptId: h.fx.dept.sales.id, emailContains: 'example' })).toEqual([1, ['bob']]);
    });
  });

  describe('users.create', () => {
    it('writes the row and its roles (each once) stamped now, and publishes user:<id> and users', async () => {
      const { viewer, editor } = h.fx.role;
      const { tags, result: erin } = await recordTags(h.store, () =>
        h.store.users.create(newUser('erin', { deptId: h.fx.dept.sales.id, phone: '123' }), [editor.id, viewer.id, editor.id], T0 + 100),
      );
      expect(erin).toMatchObject({ username: 'erin', deptId: h.fx.dept.sales.id, phone: '123', createdAt: T0 + 100, updatedAt: T0 + 100, loginCount: 0 });
      expect(await h.store.users.byId(erin.id)).toEqual(erin);
      expect((await h.store.directory.rolesOf([erin.id])).get(erin.id)!.map((r) => r.name)).toEqual(['viewer', 'editor']);
      expect(tags).toEqual(expect.arrayContaining([`user:${erin.id}`, 'users']));
      const holders = await h.store.directory.roleUsers(editor.id, { page: 1, pageSize: 10 });
      expect(holders.items.find((i) => i.id === erin.id)).toEqual({ id: erin.id, username: 'erin', email: 'erin@example.com', status: 'active', addedAt: T0 + 100 });
    });

    it('e-mail is checked before username: conflict {field: email}, then {field: username}', async () => {
      await expectCoreError(h.store.users.create(newUser('alice', { email: 'alice@example.com' }), [], T0), 'conflict', { field: 'email' });
      await expectCoreError(h.store.users.create(newUser('alice', { email: 'new@example.com' }), [], T0), 'conflict', { field: 'username' });
      await expectCoreError(h.store.users.create(newUser('new', { email: 'alice@example.com' }), [], T0), 'conflict', { field: 'email' });
      expect((await h.store.users.list({ page: 1, pageSize: 10 })).total).toBe(5);
    });

    it('users without an e-mail never conflict on it', async () => {
      await h.store.users.create(newUser('n1', { email: null }), [], T0);
      await h.store.users.create(newUser('n2', { email: null }), [], T0);
      expect((await h.store.users.list({ page: 1, pageSize: 10 })).total).toBe(7);
    });

    it('an unknown department: not_found {entity: department, id}, and nothing is written', async () => {
      const { tags } = await recordTags(h.store, () =>
        expectCoreError(h.store.users.create(newUser('erin', { deptId: 999 }), [], T0), 'not_found', { entity: 'department', id: 999 }),
      );
      expect(await h.store.users.byUsername('erin')).toBeUndefined();
      expect(tags).toEqual([]);
    });

    it('an unknown role: not_found {entity: role, id}, and no user (nor any role of it) is written', async () => {
      const { viewer } = h.fx.role;
      const { tags } = await recordTags(h.store, () =>
        expectCoreError(h.store.users.create(newUser('erin'), [viewer.id, 999], T0), 'not_found', { entity: 'role', id: 999 }),
      );
      expect(await h.store.users.byUsername('erin')).toBeUndefined();
      expect(await h.store.users.byEmail('erin@example.com')).toBeUndefined();
      expect((await h.store.users.list({ page: 1, pageSize: 10 })).total).toBe(5);
      expect(await h.store.directory.userCount(viewer.id)).toBe(2);
      expect(tags).toEqual([]);
      // The name is still free.
      expect((await h.store.users.create(newUser('erin'), [viewer.id], T0)).username).toBe('erin');
    });

    it('a superuser records the initialised fact; an ordinary user does not', async () => {
      const s = await h.fresh();
      expect(await s.facts.has('initialised')).toBe(false);
      await s.users.create(newUser('plain'), [], T0);
      expect(await s.facts.has('initialised')).toBe(false);
      await s.users.create(newUser('boss', { isSuperuser: true }), [], T0);
      expect(await s.facts.has('initialised')).toBe(true);
    });

    it('onlyUninitialised: created on an uninitialised store; conflict {field: initialised} once recorded, nothing written', async () => {
      const s = await h.fresh();
      const first = await s.users.create(newUser('first', { isSuperuser: true }), [], T0, { onlyUninitialised: true });
      expect(first.isSuperuser).toBe(true);
      await expectCoreError(s.users.create(newUser('second', { isSuperuser: true }), [], T0, { onlyUninitialised: true }), 'conflict', { field: 'initialised' });
      expect(await s.users.byUsername('second')).toBeUndefined();
      // The fact outlives the superuser that recorded it.
      await s.users.delete(first.id, allow);
      await expectCoreError(s.users.create(newUser('third'), [], T0, { onlyUninitialised: true }), 'conflict', { field: 'initialised' });
      // The fixture's store is initialised.
      await expectCoreError(h.store.users.create(newUser('erin'), [], T0, { onlyUninitialised: true }), 'conflict', { field: 'initialised' });
      // The check comes before uniqueness.
      await expectCoreError(h.store.users.create(newUser('alice'), [], T0, { onlyUninitialised: true }), 'conflict', { field: 'initialised' });
    });
  });

  describe('users.update', () => {
    it('not_found {entity: user, id} for an unknown user, and the guard is not called', async () => {
      let called = false;
      await expectCoreError(h.store.users.update(9999, { alias: 'x' }, undefined, T0, () => void (called = true)), 'not_found', { entity: 'user', id: 9999 });
      expect(called).toBe(false);
    });

    it('applies the patch with updatedAt = now and returns the rows before and after', async () => {
      const { alice } = h.fx.user;
      const { tags, result } = await recordTags(h.store, () =>
        h.store.users.update(alice.id, { alias: 'Al', phone: '555', email: 'alice@new.example', deptId: null }, undefined, T0 + 50, allow),
      );
      expect(result.before).toEqual(alice);
      expect(result.after).toEqual({ ...alice, alias: 'Al', phone: '555', email: 'alice@new.example', deptId: null, updatedAt: T0 + 50 });
      expect(await h.store.users.byId(alice.id)).toEqual(result.after);
      expect(tags).toEqual(expect.arrayContaining([`user:${alice.id}`, 'users']));
      // Only the named fields change.
      const again = await h.store.users.update(alice.id, { realName: null }, undefined, T0 + 60, allow);
      expect(again.after).toEqual({ ...result.after, realName: null, updatedAt: T0 + 60 });
    });

    it('roles are replaced when given, kept when undefined, cleared by []', async () => {
      const { alice } = h.fx.user;
      const roleNames = async () => (await h.store.directory.rolesOf([alice.id])).get(alice.id)!.map((r) => r.name);
      await h.store.users.update(alice.id, { alias: 'x' }, undefined, T0 + 1, allow);
      expect(await roleNames()).toEqual(['viewer', 'editor']);
      await h.store.users.update(alice.id, {}, [h.fx.role.admin.id], T0 + 2, allow);
      expect(await roleNames()).toEqual(['admin']);
      await h.store.users.update(alice.id, {}, [], T0 + 3, allow);
      expect(await roleNames()).toEqual([]);
    });

    it('uniqueness: another user\'s e-mail (checked first) or username is a conflict; its own is not', async () => {
      const { alice, bob } = h.fx.user;
      await expectCoreError(h.store.users.update(alice.id, { username: 'bob', email: 'Bob@Example.org' }, undefined, T0, allow), 'conflict', { field: 'email' });
      await expectCoreError(h.store.users.update(alice.id, { username: 'bob' }, undefined, T0, allow), 'conflict', { field: 'username' });
      const same = await h.store.users.update(alice.id, { username: 'alice', email: 'alice@example.com' }, undefined, T0 + 5, allow);
      expect(same.after.username).toBe('alice');
      expect((await h.store.users.byId(bob.id))!.username).toBe('bob');
    });

    it('the guard sees the row before; a throwing guard changes nothing and publishes nothing', async () => {
      const { root } = h.fx.user;
      let seen: UserRow | undefined;
      const { tags } = await recordTags(h.store, () =>
        expectCoreError(
          h.store.users.update(root.id, { username: 'renamed', status: 'inactive' }, [], T0 + 9, (row) => {
            seen = row;
            forbid();
          }),
          'forbidden',
        ),
      );
      expect(seen).toEqual(root);
      expect(await h.store.users.byId(root.id)).toEqual(root);
      expect((await h.store.directory.rolesOf([root.id])).get(root.id)!.map((r) => r.name)).toEqual(['admin']);
      expect(tags).toEqual([]);
    });

    it('an unknown department or role changes nothing (the patch is not half-applied)', async () => {
      const { alice } = h.fx.user;
      await expectCoreError(h.store.users.update(alice.id, { username: 'alice2', deptId: 999 }, undefined, T0 + 9, allow), 'not_found', { entity: 'department', id: 999 });
      await expectCoreError(h.store.users.update(alice.id, { username: 'alice2', status: 'inactive' }, [h.fx.role.admin.id, 998], T0 + 9, allow), 'not_found', { entity: 'role', id: 998 });
      expect(await h.store.users.byId(alice.id)).toEqual(alice);
      expect((await h.store.directory.rolesOf([alice.id])).get(alice.id)!.map((r) => r.name)).toEqual(['viewer', 'editor']);
    });

    it('active → inactive revokes every live session (reason status), disables every active key, stamps tokensValidAfter', async () => {
      const { alice, bob } = h.fx.user;
      await start(alice.id, 'a1');
      await start(alice.id, 'a2');
      await start(alice.id, 'a3');
      await h.store.sessions.revoke('a3', T0 + 1, 'logout');
      await start(bob.id, 'b1');
      const k1 = await h.store.apiKeys.create(newKey(alice.id, 'k1'));
      const k2 = await h.store.apiKeys.create(newKey(alice.id, 'k2', { status: 'inactive' }));
      const kb = await h.store.apiKeys.create(newKey(bob.id, 'kb'));
      const tags = await expectTags(h.store, () => h.store.users.update(alice.id, { status: 'inactive' }, undefined, T0 + 10, allow), [`user:${alice.id}`, 'users', 'keys']);
      for (const id of ['a1', 'a2']) expect(await h.store.sessions.byId(id)).toMatchObject({ revokedAt: T0 + 10, revokedReason: 'status' });
      expect(await h.store.sessions.byId('a3')).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'logout' });
      expect((await h.store.sessions.byId('b1'))!.revokedAt).toBeNull();
      expect(await h.store.apiKeys.byId(k1.id)).toMatchObject({ status: 'inactive', updatedAt: T0 + 10 });
      expect(await h.store.apiKeys.byId(k2.id)).toMatchObject({ status: 'inactive', updatedAt: T0 });
      expect((await h.store.apiKeys.byId(kb.id))!.status).toBe('active');
      expect(await h.store.users.byId(alice.id)).toMatchObject({ status: 'inactive', tokensValidAfter: T0 + 10, updatedAt: T0 + 10 });
      expect(tags).not.toContain(`user:${bob.id}`);
    });

    it('active → locked is "not active" too; inactive → active revokes nothing and enables no key', async () => {
      const { bob, carol } = h.fx.user;
      await start(bob.id, 'b1');
      await h.store.users.update(bob.id, { status: 'locked' }, undefined, T0 + 10, allow);
      expect(await h.store.sessions.byId('b1')).toMatchObject({ revokedAt: T0 + 10, revokedReason: 'status' });
      await start(carol.id, 'c1');
      const kc = await h.store.apiKeys.create(newKey(carol.id, 'kc', { status: 'inactive' }));
      const { after } = await h.store.users.update(carol.id, { status: 'active' }, undefined, T0 + 20, allow);
      expect(after.tokensValidAfter).toBe(0);
      expect((await h.store.sessions.byId('c1'))!.revokedAt).toBeNull();
      expect((await h.store.apiKeys.byId(kc.id))!.status).toBe('inactive');
    });

    it('locked → active clears the login failures; any other update keeps them', async () => {
      const { alice, dave } = h.fx.user;
      await failOnce(dave.id);
      await failOnce(alice.id);
      await h.store.users.update(alice.id, { alias: 'x' }, undefined, T0 + 1, allow);
      expect((await h.store.auth.state(alice.id))!.count).toBe(1);
      await h.store.users.update(dave.id, { alias: 'still locked' }, undefined, T0 + 1, allow);
      expect((await h.store.auth.state(dave.id))!.count).toBe(1);
      await h.store.users.update(dave.id, { status: 'active' }, undefined, T0 + 2, allow);
      expect(await h.store.auth.state(dave.id)).toBeUndefined();
    });

    it('making a user a superuser records the initialised fact', async () => {
      const s = await h.fresh();
      const u = await s.users.create(newUser('plain'), [], T0);
      await s.users.update(u.id, { alias: 'a' }, undefined, T0, allow);
      expect(await s.facts.has('initialised')).toBe(false);
      const { after } = await s.users.update(u.id, { isSuperuser: true }, undefined, T0, allow);
      expect(after.isSuperuser).toBe(true);
      expect(await s.facts.has('initialised')).toBe(true);
    });
  });

  describe('users.delete', () => {
    it('not_found {entity: user, id} for an unknown user', async () => {
      await expectCoreError(h.store.users.delete(9999, allow), 'not_found', { entity: 'user', id: 9999 });
    });

    it('a throwing guard (seeing the row) deletes nothing', async () => {
      const { root } = h.fx.user;
      let seen: UserRow | undefined;
      await expectCoreError(h.store.users.delete(root.id, (r) => { seen = r; forbid(); }), 'forbidden');
      expect(seen).toEqual(root);
      expect(await h.store.users.byId(root.id)).toEqual(root);
    });

    it('returns the row; its roles, sessions, keys and counters go with it; publishes user:<id> and users', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 'a1');
      const k = await h.store.apiKeys.create(newKey(alice.id, 'k'));
      await failOnce(alice.id);
      const { tags, result } = await recordTags(h.store, () => h.store.users.delete(alice.id, allow));
      expect(result).toEqual(alice);
      expect(await h.store.users.byId(alice.id)).toBeUndefined();
      expect(await h.store.sessions.byId('a1')).toBeUndefined();
      expect(await h.store.apiKeys.byId(k.id)).toBeUndefined();
      expect(await h.store.apiKeys.byHash(k.keyHash)).toBeUndefined();
      expect(await h.store.auth.state(alice.id)).toBeUndefined();
      expect((await h.store.directory.rolesOf([alice.id])).get(alice.id)).toEqual([]);
      expect(await h.store.directory.userCount(h.fx.role.editor.id)).toBe(0);
      expect(tags).toEqual(expect.arrayContaining([`user:${alice.id}`, 'users']));
    });
  });

  describe('users.setPassword', () => {
    it('new hash, temporary password and failures cleared, every session but keepSession revoked (reason), tokensValidAfter = now', async () => {
      const { alice, bob } = h.fx.user;
      await h.store.users.setTemporaryPassword(alice.id, 'temp-hash', T0 + DAY, T0);
      await start(alice.id, 'a1');
      await start(alice.id, 'a2');
      await start(alice.id, 'keep');
      await start(bob.id, 'b1');
      await failOnce(alice.id);
      await expectTags(h.store, () => h.store.users.setPassword(alice.id, 'new-hash', T0 + 30, 'password', 'keep'), [`user:${alice.id}`, 'users']);
      expect(await h.store.users.byId(alice.id)).toMatchObject({
        passwordHash: 'new-hash',
        tempPasswordHash: null,
        tempPasswordExpiresAt: null,
        tokensValidAfter: T0 + 30,
        updatedAt: T0 + 30,
      });
      expect(await h.store.auth.state(alice.id)).toBeUndefined();
      for (const id of ['a1', 'a2']) expect(await h.store.sessions.byId(id)).toMatchObject({ revokedAt: T0 + 30, revokedReason: 'password' });
      expect((await h.store.sessions.byId('keep'))!.revokedAt).toBeNull();
      expect((await h.store.sessions.byId('b1'))!.revokedAt).toBeNull();
    });

    it('without keepSession every session is revoked', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 'a1');
      await h.store.users.setPassword(alice.id, 'h2', T0 + 1, 'reset');
      expect(await h.store.sessions.byId('a1')).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'reset' });
    });
  });

  describe('users.setTemporaryPassword', () => {
    it('a temporary password beside the real one; every session revoked (password_reset); tokensValidAfter = now', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 'a1');
      await start(alice.id, 'a2');
      await expectTags(h.store, () => h.store.users.setTemporaryPassword(alice.id, 'temp-hash', T0 + 3600_000, T0 + 7), [`user:${alice.id}`, 'users']);
      expect(await h.store.users.byId(alice.id)).toMatchObject({
        passwordHash: 'hash-of-alice',
        tempPasswordHash: 'temp-hash',
        tempPasswordExpiresAt: T0 + 3600_000,
        tokensValidAfter: T0 + 7,
      });
      for (const id of ['a1', 'a2']) expect(await h.store.sessions.byId(id)).toMatchObject({ revokedAt: T0 + 7, revokedReason: 'password_reset' });
    });
  });

  describe('users.revokeAll', () => {
    it('every live session but exceptSession revoked with the reason, tokensValidAfter = now; earlier revocations and other users kept', async () => {
      const { alice, bob } = h.fx.user;
      await start(alice.id, 'a1');
      await start(alice.id, 'a2');
      await start(alice.id, 'old');
      await h.store.sessions.revoke('old', T0 + 1, 'logout');
      await start(bob.id, 'b1');
      await expectTags(h.store, () => h.store.users.revokeAll(alice.id, T0 + 40, 'admin', 'a2'), [`user:${alice.id}`]);
      expect(await h.store.sessions.byId('a1')).toMatchObject({ revokedAt: T0 + 40, revokedReason: 'admin' });
      expect((await h.store.sessions.byId('a2'))!.revokedAt).toBeNull();
      expect(await h.store.sessions.byId('old')).toMatchObject({ revokedAt: T0 + 1, revokedReason: 'logout' });
      expect((await h.store.sessions.byId('b1'))!.revokedAt).toBeNull();
      expect((await h.store.users.byId(alice.id))!.tokensValidAfter).toBe(T0 + 40);
      expect((await h.store.users.byId(bob.id))!.tokensValidAfter).toBe(0);
      await h.store.users.revokeAll(alice.id, T0 + 50, 'all');
      expect(await h.store.sessions.byId('a2')).toMatchObject({ revokedAt: T0 + 50, revokedReason: 'all' });
    });
  });
}
