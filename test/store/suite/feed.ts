import { describe, expect, it } from 'vitest';
import type { Tag } from '../../../src/store/store.ts';
import { allow, DAY, newKey, newUser, recordTags, T0, type Harness } from './harness.ts';

export function feedSuite(h: Harness) {
  describe('feed', () => {
    it('every subscriber hears each write once, before the write resolves; unsubscribe stops delivery', async () => {
      const { alice } = h.fx.user;
      const a: (readonly Tag[])[] = [];
      const b: (readonly Tag[])[] = [];
      const offA = h.store.feed.subscribe((t) => a.push(t));
      const offB = h.store.feed.subscribe((t) => b.push(t));
      await h.store.users.update(alice.id, { alias: 'one' }, undefined, T0 + 1, allow);
      expect([a.length, b.length]).toEqual([1, 1]);
      offB();
      await h.store.users.update(alice.id, { alias: 'two' }, undefined, T0 + 2, allow);
      offA();
      await h.store.users.update(alice.id, { alias: 'three' }, undefined, T0 + 3, allow);
      expect([a.length, b.length]).toEqual([2, 1]);
      for (const batch of a) expect(batch).toEqual(expect.arrayContaining([`user:${alice.id}`, 'users']));
    });

    it('a failing write publishes nothing', async () => {
      const { tags } = await recordTags(h.store, async () => {
        await h.store.users.create(newUser('alice'), [], T0).catch(() => undefined);
        await h.store.directory.createRole({ name: 'viewer', description: null, builtin: false, permissionIds: [] }, T0).catch(() => undefined);
        await h.store.users.update(9999, {}, undefined, T0, allow).catch(() => undefined);
      });
      expect(tags).toEqual([]);
    });

    it('check(now) publishes nothing while no other process writes', async () => {
      const { tags } = await recordTags(h.store, async () => {
        for (let i = 0; i < 5; i++) h.store.feed.check(T0 + i * 1000);
        await h.store.users.update(h.fx.user.bob.id, { alias: 'x' }, undefined, T0, allow);
        h.store.feed.check(T0 + 10_000);
        h.store.feed.check(T0 + 20_000);
      });
      expect(tags.filter((t) => t === 'all')).toEqual([]);
    });

    it('each write publishes the tags the port lists; reads, audit, mail, usage and facts publish nothing', async () => {
      const s = h.store;
      const { alice, bob } = h.fx.user;
      const { viewer } = h.fx.role;
      await s.sessions.start({ id: 's1', userId: alice.id, audience: 'a', currentJti: 'j0', createdAt: T0, expiresAt: T0 + DAY });
      const k = await s.apiKeys.create(newKey(bob.id, 'k'));
      const cases: [string, () => Promise<unknown>, Tag[]][] = [
        ['users.create', () => s.users.create(newUser('erin'), [], T0), ['users']],
        ['users.update', () => s.users.update(bob.id, { alias: 'b' }, [viewer.id], T0, allow), [`user:${bob.id}`, 'users']],
        ['users.update (deactivate)', () => s.users.update(bob.id, { status: 'inactive' }, undefined, T0, allow), [`user:${bob.id}`, 'users', 'keys']],
        ['users.setPassword', () => s.users.setPassword(alice.id, 'h', T0, 'password'), [`user:${alice.id}`, 'users']],
        ['users.setTemporaryPassword', () => s.users.setTemporaryPassword(alice.id, 't', T0 + 1, T0), [`user:${alice.id}`, 'users']],
        ['users.revokeAll', () => s.users.revokeAll(alice.id, T0, 'admin'), [`user:${alice.id}`, 'users']],
        ['auth fail', () => s.auth.attempt(alice.id, T0, (a) => a.fail({ resetAfterMs: DAY, lockFor: () => null })), [`user:${alice.id}`]],
        ['auth succeed', () => s.auth.attempt(alice.id, T0, (a) => a.succeed({ login: true, consumeTemporary: true })), [`user:${alice.id}`]],
        ['sessions.start', () => s.sessions.start({ id: 's2', userId: alice.id, audience: 'a', currentJti: 'k0', createdAt: T0, expiresAt: T0 + DAY }), ['session:s2']],
        ['sessions.rotate', () => s.sessions.rotate('s2', 'k0', 'k1', T0, DAY, 0), ['session:s2']],
        ['sessions.extend', () => s.sessions.extend('s2', T0 + 2 * DAY), ['session:s2']],
        ['sessions.revoke', () => s.sessions.revoke('s2', T0, 'logout'), ['session:s2']],
        ['sessions.deny', () => s.sessions.deny('jx', T0 + DAY), ['jti:jx']],
        ['apiKeys.setStatus', () => s.apiKeys.setStatus(k.id, 'active', T0), [`key:${k.id}`, 'keys']],
        ['apiKeys.delete', () => s.apiKeys.delete(k.id), [`key:${k.id}`, 'keys']],
        ['directory.createRole', () => s.directory.createRole({ name: 'n', description: null, builtin: false, permissionIds: [] }, T0), ['rbac']],
        ['directory.updateRole', () => s.directory.updateRole(viewer.id, { description: 'd' }, [], T0), ['rbac']],
        ['directory.createPermission', () => s.directory.createPermission({ name: 'q', category: 'c', description: null, method: null, path: null }, T0), ['rbac']],
        ['directory.createDepartment', () => s.directory.createDepartment({ name: 'D', description: null, parentId: 0 }, T0), ['rbac']],
        ['auth.clear', async () => {
          await s.auth.attempt(alice.id, T0, (a) => a.fail({ resetAfterMs: DAY, lockFor: () => null }));
          await s.auth.clear(alice.id);
        }, [`user:${alice.id}`]],
        ['users.delete', () => s.users.delete(alice.id, allow), [`user:${alice.id}`, 'users']],
      ];
      for (const [name, write, expected] of cases) {
        const { tags } = await recordTags(s, write);
        expect({ name, tags }).toEqual({ name, tags: expect.arrayContaining(expected) });
      }
      const quiet: [string, () => Promise<unknown>][] = [
        ['reads', async () => {
          await s.users.byId(bob.id);
          await s.users.list({ page: 1, pageSize: 10 });
          await s.directory.permissionsOf(bob.id);
          await s.apiKeys.list({ page: 1, pageSize: 10, now: T0 });
          await s.sessions.isDenied('jx');
          await s.auth.state(bob.id);
        }],
        ['records.audit', () => s.records.audit({ at: T0, event: 'e', userId: null, subject: null, detail: null })],
        ['records.mail', () => s.records.mail({ at: T0, recipient: 'r', subject: 's', body: 'b', kind: 'k' })],
        ['apiKeys.flushUsage', () => s.apiKeys.flushUsage([{ keyId: 9999, endpoint: '/', status: 200, ip: null, at: T0 }], 0)],
        ['facts.record', () => s.facts.record('initialised', T0)],
      ];
      for (const [name, fn] of quiet) {
        const { tags } = await recordTags(s, fn);
        expect({ name, tags }).toEqual({ name, tags: [] });
      }
    });
  });
}
