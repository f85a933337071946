import { describe, expect, it } from 'vitest';
import type { SeedSet, Store } from '../../../src/store/store.ts';
import { newUser, recordTags, T0, type Harness } from './harness.ts';

export const seedSet = (): SeedSet => ({
  departments: [
    { name: 'HQ', description: 'head office' },
    { name: 'Field', description: null },
  ],
  permissions: [
    { name: 'p.read', category: 'p', description: null, method: 'GET', path: '/p' },
    { name: 'p.write', category: 'p', description: 'w', method: 'POST', path: '/p' },
  ],
  roles: [
    { name: 'boss', description: null, builtin: true, permissions: ['p.read', 'p.write'] },
    { name: 'clerk', description: 'c', builtin: false, permissions: ['p.read'] },
  ],
  users: [
    { ...newUser('sa', { isSuperuser: true }), roles: ['boss'], department: 'HQ' },
    { ...newUser('cl', { status: 'inactive', email: null }), roles: ['clerk', 'boss'], department: null },
    { ...newUser('far'), roles: [], department: 'Nowhere' },
  ],
});

/** Everything a store holds that a failed seed must not leave behind. */
async function contents(s: Store) {
  return {
    users: (await s.users.list({ page: 1, pageSize: 100 })).total,
    roles: (await s.directory.rolesPage({ page: 1, pageSize: 100 })).total,
    permissions: (await s.directory.listPermissions()).length,
    departments: [await s.directory.departmentByName('HQ'), await s.directory.departmentByName('Field')].filter(Boolean).length,
    initialised: await s.facts.has('initialised'),
  };
}

export function recordsSuite(h: Harness) {
  describe('records: audit and outbox', () => {
    it('audit entries read back newest first, up to the limit, details as objects; publishes nothing', async () => {
      const { tags } = await recordTags(h.store, async () => {
        await h.store.records.audit({ at: T0, event: 'login.success', userId: 1, subject: 'alice', detail: { ip: '10.0.0.1', n: 2, nested: { ok: true } } });
        await h.store.records.audit({ at: T0 + 1, event: 'login.failure', userId: null, subject: 'nobody', detail: null });
        await h.store.records.audit({ at: T0 + 2, event: 'user.deleted', userId: 3, subject: null, detail: { fields: ['a', 'b'] } });
      });
      expect(tags).toEqual([]);
      const recent = await h.store.records.recentAudit(10);
      expect(recent.map((e) => e.event)).toEqual(['user.deleted', 'login.failure', 'login.success']);
      expect(recent[2]).toEqual({ id: recent[2]!.id, at: T0, event: 'login.success', userId: 1, subject: 'alice', detail: { ip: '10.0.0.1', n: 2, nested: { ok: true } } });
      expect(recent[1]).toMatchObject({ userId: null, subject: 'nobody', detail: null });
      expect(recent[0]!.detail).toEqual({ fields: ['a', 'b'] });
      expect(recent[0]!.id).toBeGreaterThan(recent[1]!.id);
      expect((await h.store.records.recentAudit(2)).map((e) => e.event)).toEqual(['user.deleted', 'login.failure']);
    });

    it('mails read back oldest first; publishes nothing', async () => {
      const { tags } = await recordTags(h.store, async () => {
        await h.store.records.mail({ at: T0, recipient: 'a@example.com', subject: 'one', body: 'first', kind: 'password_reset' });
        await h.store.records.mail({ at: T0 + 1, recipient: 'b@example.com', subject: 'two', body: 'second', kind: 'temporary_password' });
      });
      expect(tags).toEqual([]);
      const mails = await h.store.records.mails();
      expect(mails.map(({ id: _id, ...m }) => m)).toEqual([
        { at: T0, recipient: 'a@example.com', subject: 'one', body: 'first', kind: 'password_reset' },
        { at: T0 + 1, recipient: 'b@example.com', subject: 'two', body: 'second', kind: 'temporary_password' },
      ]);
      expect(mails[0]!.id).toBeLessThan(mails[1]!.id);
    });
  });

  describe('facts', () => {
    it('record is true the first time only; has follows; publishes nothing', async () => {
      const s = await h.fresh();
      expect(await s.facts.has('initialised')).toBe(false);
      const { tags } = await recordTags(s, async () => {
        expect(await s.facts.record('initialised', T0)).toBe(true);
        expect(await s.facts.record('initialised', T0 + 1)).toBe(false);
      });
      expect(tags).toEqual([]);
      expect(await s.facts.has('initialised')).toBe(true);
    });
  });

  describe('store: isEmpty, seed, ping, kind', () => {
    it('isEmpty until a user exists', async () => {
      const s = await h.fresh();
      expect(await s.isEmpty()).toBe(true);
      await s.directory.createRole({ name: 'r', description: null, builtin: false, permissionIds: [] }, T0);
      expect(await s.isEmpty()).toBe(true);
      await s.users.create(newUser('u'), [], T0);
      expect(await s.isEmpty()).toBe(false);
      expect(await h.store.isEmpty()).toBe(false);
    });

    it('seed loads the whole set (grants, roles, departments) and records initialised; publishes all', async () => {
      const s = await h.fresh();
      const { tags } = await recordTags(s, () => s.seed(seedSet(), T0 + 3));
      expect(tags).toContain('all');
      expect(await s.isEmpty()).toBe(false);
      expect(await s.facts.has('initialised')).toBe(true);
      const sa = (await s.users.byUsername('sa'))!;
      const cl = (await s.users.byUsername('cl'))!;
      const far = (await s.users.byUsername('far'))!;
      const hq = (await s.directory.departmentByName('HQ'))!;
      expect(hq).toMatchObject({ description: 'head office', parentId: 0, createdAt: T0 + 3 });
      expect(sa).toMatchObject({ isSuperuser: true, deptId: hq.id, passwordHash: 'hash-of-sa', createdAt: T0 + 3, loginCount: 0 });
      expect(cl).toMatchObject({ status: 'inactive', email: null, deptId: null });
      expect(far.deptId).toBeNull(); // an unknown department: none
      const roles = await s.directory.rolesOf([sa.id, cl.id, far.id]);
      expect(roles.get(sa.id)!.map((r) => r.name)).toEqual(['boss']);
      expect(roles.get(cl.id)!.map((r) => r.name).sort()).toEqual(['boss', 'clerk']);
      expect(roles.get(far.id)).toEqual([]);
      const boss = (await s.directory.roleByName('boss'))!;
      expect(boss).toMatchObject({ builtin: true, createdAt: T0 + 3 });
      expect((await s.directory.permissionsOfRole(boss.id)).map((p) => p.name)).toEqual(['p.read', 'p.write']);
      expect((await s.directory.permissionsByName(['p.write']))[0]).toMatchObject({ category: 'p', description: 'w', method: 'POST', path: '/p', createdAt: T0 + 3 });
      expect((await s.directory.permissionsOf(cl.id)).map((p) => p.name)).toEqual(['p.read', 'p.write']);
    });

    it('a seed naming an unknown permission or role throws and loads nothing', async () => {
      const s = await h.fresh();
      const before = await contents(s);
      const badPerm = seedSet();
      badPerm.roles[1]!.permissions.push('p.ghost');
      await expect(s.seed(badPerm, T0)).rejects.toThrow();
      expect(await contents(s)).toEqual(before);
      const badRole = seedSet();
      badRole.users[2]!.roles.push('ghost');
      await expect(s.seed(badRole, T0)).rejects.toThrow();
      expect(await contents(s)).toEqual(before);
      expect(await s.isEmpty()).toBe(true);
      await s.seed(seedSet(), T0);
      expect(await contents(s)).toEqual({ users: 3, roles: 2, permissions: 2, departments: 2, initialised: true });
    });

    it('close ends the store: ping then answers false (and a second close is harmless)', async () => {
      const s = await h.fresh();
      expect(await s.ping()).toBe(true);
      await s.close();
      expect(await s.ping()).toBe(false);
      await s.close();
    });

    it('ping answers true; kind names the store', async () => {
      expect(await h.store.ping()).toBe(true);
      expect(typeof h.store.kind).toBe('string');
      expect(h.store.kind.length).toBeGreaterThan(0);
    });
  });
}
