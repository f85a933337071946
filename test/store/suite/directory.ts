import { describe, expect, it } from 'vitest';
import type { Role } from '../../../src/store/store.ts';
import { allow, expectCoreError, expectTags, forbid, newUser, recordTags, T0, type Harness } from './harness.ts';

const roleNames = (rs: Role[] | undefined) => (rs ?? []).map((r) => r.name);
const pnames = (ps: { name: string }[]) => ps.map((p) => p.name);

export function directorySuite(h: Harness) {
  describe('directory: who holds what', () => {
    it('rolesOf: every id asked for (none: []), roles by id, duplicates once', async () => {
      const { root, alice, bob } = h.fx.user;
      const m = await h.store.directory.rolesOf([alice.id, bob.id, root.id, 9999, alice.id]);
      expect([...m.keys()].sort((a, b) => a - b)).toEqual([root.id, alice.id, bob.id, 9999].sort((a, b) => a - b));
      expect(roleNames(m.get(alice.id))).toEqual(['viewer', 'editor']);
      expect(m.get(root.id)).toEqual([h.fx.role.admin]);
      expect(m.get(bob.id)).toEqual([]);
      expect(m.get(9999)).toEqual([]);
      expect((await h.store.directory.rolesOf([])).size).toBe(0);
    });

    it('rolesOf more users than one IN (...) chunk holds', async () => {
      const { alice, root } = h.fx.user;
      const ids = [...Array.from({ length: 250 }, (_, i) => 10_000 + i), alice.id, root.id];
      const m = await h.store.directory.rolesOf(ids);
      expect(m.size).toBe(252);
      expect(roleNames(m.get(alice.id))).toEqual(['viewer', 'editor']);
      expect(roleNames(m.get(root.id))).toEqual(['admin']);
    });

    it('permissionsOf: the distinct permissions of the user\'s roles, by id', async () => {
      const { root, alice, bob } = h.fx.user;
      expect(pnames(await h.store.directory.permissionsOf(alice.id))).toEqual(['users:read', 'users:write']);
      expect(await h.store.directory.permissionsOf(root.id)).toEqual([h.fx.perm.read, h.fx.perm.write, h.fx.perm.keys]);
      expect(await h.store.directory.permissionsOf(bob.id)).toEqual([]);
    });

    it('userCount and roleUsers (by user id, paged, with when each got the role)', async () => {
      const { viewer, admin } = h.fx.role;
      const { alice, carol } = h.fx.user;
      expect(await h.store.directory.userCount(viewer.id)).toBe(2);
      expect(await h.store.directory.userCount(9999)).toBe(0);
      expect(await h.store.directory.roleUsers(viewer.id, { page: 1, pageSize: 10 })).toEqual({
        total: 2,
        items: [
          { id: alice.id, username: 'alice', email: 'alice@example.com', status: 'active', addedAt: T0 + 2 },
          { id: carol.id, username: 'carol', email: null, status: 'inactive', addedAt: T0 + 4 },
        ],
      });
      expect(await h.store.directory.roleUsers(viewer.id, { page: 2, pageSize: 1 })).toMatchObject({ total: 2, items: [{ username: 'carol' }] });
      expect((await h.store.directory.roleUsers(admin.id, { page: 1, pageSize: 10 })).total).toBe(1);
    });
  });

  describe('directory: lookups', () => {
    it('department, departments, departmentByName', async () => {
      const { eng, sales } = h.fx.dept;
      expect(eng).toMatchObject({ name: 'Engineering', description: 'builds', parentId: 0, sortOrder: 0, createdAt: T0, updatedAt: T0 });
      expect(await h.store.directory.department(eng.id)).toEqual(eng);
      expect(await h.store.directory.department(9999)).toBeUndefined();
      const m = await h.store.directory.departments([sales.id, eng.id, 9999, sales.id]);
      expect([m.size, m.get(eng.id), m.get(sales.id)]).toEqual([2, eng, sales]);
      expect((await h.store.directory.departments([])).size).toBe(0);
      expect(await h.store.directory.departmentByName('Sales')).toEqual(sales);
      expect(await h.store.directory.departmentByName('sales')).toBeUndefined();
    });

    it('role, roleByName, rolesByName (in the order asked, unknown names left out)', async () => {
      const { admin, viewer, editor } = h.fx.role;
      expect(admin).toMatchObject({ name: 'admin', description: 'everything', builtin: true, createdAt: T0, updatedAt: T0 });
      expect(viewer.builtin).toBe(false);
      expect(await h.store.directory.role(admin.id)).toEqual(admin);
      expect(await h.store.directory.role(9999)).toBeUndefined();
      expect(await h.store.directory.roleByName('viewer')).toEqual(viewer);
      expect(await h.store.directory.roleByName('nobody')).toBeUndefined();
      expect(await h.store.directory.rolesByName(['editor', 'ghost', 'admin'])).toEqual([editor, admin]);
      expect(await h.store.directory.rolesByName([])).toEqual([]);
    });

    it('permissionsByName (in the order asked), permissionsOfRole and listPermissions (by id)', async () => {
      const { read, write, keys } = h.fx.perm;
      expect(read).toMatchObject({ name: 'users:read', category: 'users', description: 'list users', method: 'GET', path: '/users', createdAt: T0 });
      expect(await h.store.directory.permissionsByName(['keys:read', 'nope', 'users:read'])).toEqual([keys, read]);
      expect(await h.store.directory.permissionsByName([])).toEqual([]);
      expect(await h.store.directory.permissionsOfRole(h.fx.role.editor.id)).toEqual([read, write]);
      expect(await h.store.directory.permissionsOfRole(9999)).toEqual([]);
      expect(await h.store.directory.listPermissions()).toEqual([read, write, keys]);
    });
  });

  describe('directory: pages', () => {
    it('rolesPage: by id, paged, nameContains case-insensitive with % and _ literal', async () => {
      const page = (f: object) => h.store.directory.rolesPage({ page: 1, pageSize: 10, ...f });
      expect(pnames((await page({})).items)).toEqual(['admin', 'viewer', 'editor']);
      expect(await h.store.directory.rolesPage({ page: 2, pageSize: 2 })).toEqual({ total: 3, items: [h.fx.role.editor] });
      expect(pnames((await page({ nameContains: 'IT' })).items)).toEqual(['editor']);
      for (const name of ['ops_team', 'opsXteam', '50%off', '50Xoff']) await h.store.directory.createRole({ name, description: null, builtin: false, permissionIds: [] }, T0);
      expect(pnames((await page({ nameContains: 's_t' })).items)).toEqual(['ops_team']);
      expect(pnames((await page({ nameContains: '%' })).items)).toEqual(['50%off']);
      expect((await page({ nameContains: 'OPS' })).total).toBe(2);
    });

    it('permissionsPage: by id, paged, nameContains (case-insensitive, % and _ literal) and category', async () => {
      const page = (f: object) => h.store.directory.permissionsPage({ page: 1, pageSize: 10, ...f });
      expect(pnames((await page({})).items)).toEqual(['users:read', 'users:write', 'keys:read']);
      expect(await page({ category: 'users', nameContains: 'WRITE' })).toEqual({ total: 1, items: [h.fx.perm.write] });
      expect((await page({ category: 'keys' })).total).toBe(1);
      expect(await h.store.directory.permissionsPage({ page: 2, pageSize: 2 })).toEqual({ total: 3, items: [h.fx.perm.keys] });
      await h.store.directory.createPermission({ name: 'a_b', category: 'x', description: null, method: null, path: null }, T0);
      await h.store.directory.createPermission({ name: 'aXb', category: 'x', description: null, method: null, path: null }, T0);
      expect(pnames((await page({ nameContains: 'A_B' })).items)).toEqual(['a_b']);
      expect((await page({ nameContains: '%' })).total).toBe(0);
    });
  });

  describe('directory: role writes', () => {
    it('createRole: the role with its permissions (each once), stamped now; publishes rbac', async () => {
      const { read, keys } = h.fx.perm;
      const { tags, result: role } = await recordTags(h.store, () =>
        h.store.directory.createRole({ name: 'auditor', description: 'reads', builtin: false, permissionIds: [keys.id, read.id, keys.id] }, T0 + 7),
      );
      expect(role).toMatchObject({ name: 'auditor', description: 'reads', builtin: false, createdAt: T0 + 7, updatedAt: T0 + 7 });
      expect(await h.store.directory.role(role.id)).toEqual(role);
      expect(await h.store.directory.permissionsOfRole(role.id)).toEqual([read, keys]);
      expect(tags).toContain('rbac');
    });

    it('createRole: conflict {field: name}; an unknown permission is not_found {entity: permission} and writes no role', async () => {
      await expectCoreError(h.store.directory.createRole({ name: 'viewer', description: null, builtin: false, permissionIds: [] }, T0), 'conflict', { field: 'name' });
      const { tags } = await recordTags(h.store, () =>
        expectCoreError(h.store.directory.createRole({ name: 'ghost', description: null, builtin: false, permissionIds: [h.fx.perm.read.id, 999] }, T0), 'not_found', { entity: 'permission' }),
      );
      expect(await h.store.directory.roleByName('ghost')).toBeUndefined();
      expect((await h.store.directory.rolesPage({ page: 1, pageSize: 10 })).total).toBe(3);
      expect(tags).toEqual([]);
    });

    it('updateRole: name and description with updatedAt = now; permissions replaced when given, kept when undefined', async () => {
      const { viewer } = h.fx.role;
      const { read, write } = h.fx.perm;
      const { tags, result } = await recordTags(h.store, () => h.store.directory.updateRole(viewer.id, { name: 'reader', description: 'reads' }, undefined, T0 + 9));
      expect(result).toEqual({ ...viewer, name: 'reader', description: 'reads', updatedAt: T0 + 9 });
      expect(tags).toContain('rbac');
      expect(await h.store.directory.permissionsOfRole(viewer.id)).toEqual([read]);
      await h.store.directory.updateRole(viewer.id, {}, [write.id], T0 + 10);
      expect(await h.store.directory.permissionsOfRole(viewer.id)).toEqual([write]);
      const cleared = await h.store.directory.updateRole(viewer.id, { description: null }, [], T0 + 11);
      expect(cleared).toMatchObject({ name: 'reader', description: null });
      expect(await h.store.directory.permissionsOfRole(viewer.id)).toEqual([]);
      // Its own name is no conflict.
      expect((await h.store.directory.updateRole(viewer.id, { name: 'reader' }, undefined, T0 + 12)).name).toBe('reader');
    });

    it('updateRole: not_found {entity: role, id}; conflict {field: name}; an unknown permission changes nothing', async () => {
      const { viewer, editor } = h.fx.role;
      await expectCoreError(h.store.directory.updateRole(9999, { name: 'x' }, undefined, T0), 'not_found', { entity: 'role', id: 9999 });
      await expectCoreError(h.store.directory.updateRole(viewer.id, { name: 'editor' }, undefined, T0), 'conflict', { field: 'name' });
      await expectCoreError(h.store.directory.updateRole(viewer.id, { name: 'renamed' }, [999], T0 + 5), 'not_found', { entity: 'permission' });
      expect(await h.store.directory.role(viewer.id)).toEqual(viewer);
      expect(await h.store.directory.role(editor.id)).toEqual(editor);
      expect(await h.store.directory.permissionsOfRole(viewer.id)).toEqual([h.fx.perm.read]);
    });

    it('deleteRole: not_found; a throwing guard (seeing the role) deletes nothing; holders and grants go with it', async () => {
      const { admin, viewer } = h.fx.role;
      const { alice } = h.fx.user;
      await expectCoreError(h.store.directory.deleteRole(9999, allow), 'not_found', { entity: 'role', id: 9999 });
      let seen: Role | undefined;
      await expectCoreError(h.store.directory.deleteRole(admin.id, (r) => { seen = r; forbid(); }), 'forbidden');
      expect(seen).toEqual(admin);
      expect(await h.store.directory.role(admin.id)).toEqual(admin);
      await expectTags(h.store, () => h.store.directory.deleteRole(viewer.id, allow), ['rbac']);
      expect(await h.store.directory.role(viewer.id)).toBeUndefined();
      expect(roleNames((await h.store.directory.rolesOf([alice.id])).get(alice.id))).toEqual(['editor']);
      expect(await h.store.directory.permissionsOfRole(viewer.id)).toEqual([]);
      expect(await h.store.directory.listPermissions()).toHaveLength(3);
    });
  });

  describe('directory: permission and department writes', () => {
    it('createPermission: stamped now, publishes rbac; conflict {field: name}', async () => {
      const { tags, result: p } = await recordTags(h.store, () =>
        h.store.directory.createPermission({ name: 'keys:write', category: 'keys', description: 'make keys', method: 'POST', path: '/keys' }, T0 + 3),
      );
      expect(p).toMatchObject({ name: 'keys:write', category: 'keys', description: 'make keys', method: 'POST', path: '/keys', createdAt: T0 + 3 });
      expect(tags).toContain('rbac');
      expect((await h.store.directory.listPermissions()).at(-1)).toEqual(p);
      await expectCoreError(h.store.directory.createPermission({ name: 'users:read', category: 'x', description: null, method: null, path: null }, T0), 'conflict', { field: 'name' });
    });

    it('createDepartment: stamped now with its parent, sortOrder 0; publishes rbac', async () => {
      const { tags, result: d } = await recordTags(h.store, () => h.store.directory.createDepartment({ name: 'Platform', description: null, parentId: h.fx.dept.eng.id }, T0 + 4));
      expect(d).toMatchObject({ name: 'Platform', description: null, parentId: h.fx.dept.eng.id, sortOrder: 0, createdAt: T0 + 4, updatedAt: T0 + 4 });
      expect(await h.store.directory.departmentByName('Platform')).toEqual(d);
      expect(tags).toContain('rbac');
      const u = await h.store.users.create(newUser('plat', { deptId: d.id }), [], T0);
      expect(u.deptId).toBe(d.id);
      // The port names no error for a taken name; it must not succeed silently.
      await expect(h.store.directory.createDepartment({ name: 'Platform', description: null, parentId: 0 }, T0)).rejects.toThrow();
    });
  });
}
