import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { CoreError } from '../../core/errors.ts';
import type { Department, DirectoryStore, Permission, Role } from '../store.ts';
import { anyInt, contains, offsetOf, snapshot, type Ctx, type Tx } from './conn.ts';
import { departments, permissions, rolePermissions, roles, userRoles, users } from './schema.ts';

// The rows a write checks for are locked FOR KEY SHARE: they cannot be deleted before the write commits, so a check
// that passed never turns into a foreign-key violation (other writes to those rows go on).

/** not_found {entity: 'department', id} unless the department exists (null: none asked for). */
export async function requireDepartment(tx: Tx, deptId: number | null | undefined): Promise<void> {
  if (deptId == null) return;
  const found = await tx.select({ id: departments.id }).from(departments).where(eq(departments.id, deptId)).for('key share');
  if (!found.length) throw new CoreError('not_found', { entity: 'department', id: deptId });
}

/** not_found {entity: 'role', id} for the first id that names no role. */
export async function requireRoles(tx: Tx, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.select({ id: roles.id }).from(roles).where(anyInt(roles.id, [...new Set(ids)])).for('key share');
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw new CoreError('not_found', { entity: 'role', id: missing });
}

/** The user's roles become exactly `roleIds` (checked by the caller), stamped `now`. */
export async function replaceUserRoles(tx: Tx, userId: number, roleIds: number[], now: number): Promise<void> {
  await tx.delete(userRoles).where(eq(userRoles.userId, userId));
  const ids = [...new Set(roleIds)];
  if (ids.length) await tx.insert(userRoles).values(ids.map((roleId) => ({ userId, roleId, addedAt: now })));
}

/** The role's grants become exactly `permissionIds`; not_found {entity: 'permission'} when one names nothing. */
async function replaceRolePermissions(tx: Tx, roleId: number, permissionIds: number[]): Promise<void> {
  const ids = [...new Set(permissionIds)];
  const found = ids.length ? (await tx.select({ id: permissions.id }).from(permissions).where(anyInt(permissions.id, ids)).for('key share')).length : 0;
  if (found !== ids.length) throw new CoreError('not_found', { entity: 'permission' });
  await tx.delete(rolePermissions).where(eq(rolePermissions.roleId, roleId));
  if (ids.length) await tx.insert(rolePermissions).values(ids.map((permissionId) => ({ roleId, permissionId })));
}

/** Roles, permissions and departments, and who holds what. Every write publishes `rbac`. */
export function createDirectoryStore({ db, write }: Ctx): DirectoryStore {
  const rolesOfUsers = db
    .select({ userId: userRoles.userId, role: roles })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(anyInt(userRoles.userId, sql.placeholder('ids')))
    .orderBy(asc(roles.id))
    .prepare('dg_roles_of_users');
  const permissionsOfUser = db
    .selectDistinct({ p: permissions })
    .from(userRoles)
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, userRoles.roleId))
    .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(eq(userRoles.userId, sql.placeholder('userId')))
    .orderBy(asc(permissions.id))
    .prepare('dg_permissions_of_user');
  const departmentById = db.select().from(departments).where(eq(departments.id, sql.placeholder('id'))).prepare('dg_department_by_id');
  const departmentsById = db.select().from(departments).where(anyInt(departments.id, sql.placeholder('ids'))).prepare('dg_departments_by_id');

  const total = (rows: { n: number }[]) => rows[0]?.n ?? 0;

  return {
    async rolesOf(userIds) {
      const out = new Map<number, Role[]>(userIds.map((id) => [id, []]));
      if (out.size === 0) return out;
      for (const r of await rolesOfUsers.execute({ ids: [...out.keys()] })) out.get(r.userId)!.push(r.role);
      return out;
    },

    permissionsOf: async (userId) => (await permissionsOfUser.execute({ userId })).map((r) => r.p),

    department: async (id) => (await departmentById.execute({ id }))[0],

    async departments(ids) {
      const unique = [...new Set(ids)];
      const rows = unique.length ? await departmentsById.execute({ ids: unique }) : [];
      return new Map<number, Department>(rows.map((d) => [d.id, d]));
    },

    departmentByName: async (name) => (await db.select().from(departments).where(eq(departments.name, name)))[0],
    role: async (id) => (await db.select().from(roles).where(eq(roles.id, id)))[0],
    roleByName: async (name) => (await db.select().from(roles).where(eq(roles.name, name)))[0],

    /** In the order asked; names that match no role are left out. */
    async rolesByName(names) {
      const rows = names.length ? await db.select().from(roles).where(inArray(roles.name, [...new Set(names)])) : [];
      const found = new Map(rows.map((r) => [r.name, r]));
      return names.flatMap((n) => (found.has(n) ? [found.get(n)!] : []));
    },

    /** In the order asked; names that match no permission are left out. */
    async permissionsByName(names) {
      const rows = names.length ? await db.select().from(permissions).where(inArray(permissions.name, [...new Set(names)])) : [];
      const found = new Map(rows.map((p) => [p.name, p]));
      return names.flatMap((n) => (found.has(n) ? [found.get(n)!] : []));
    },

    permissionsOfRole: async (roleId) =>
      (
        await db
          .select({ p: permissions })
          .from(rolePermissions)
          .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
          .where(eq(rolePermissions.roleId, roleId))
          .orderBy(asc(permissions.id))
      ).map((r) => r.p),

    listPermissions: () => db.select().from(permissions).orderBy(asc(permissions.id)),

    userCount: async (roleId) => total(await db.select({ n: count() }).from(userRoles).where(eq(userRoles.roleId, roleId))),

    rolesPage(filter) {
      const where = filter.nameContains ? contains(roles.name, filter.nameContains) : undefined;
      return snapshot(db, async (tx) => ({
        total: total(await tx.select({ n: count() }).from(roles).where(where)),
        items: await tx.select().from(roles).where(where).orderBy(asc(roles.id)).limit(filter.pageSize).offset(offsetOf(filter)),
      }));
    },

    /** The holders of a role, with when they got it, by user id. */
    roleUsers(roleId, p) {
      return snapshot(db, async (tx) => ({
        total: total(await tx.select({ n: count() }).from(userRoles).where(eq(userRoles.roleId, roleId))),
        items: await tx
          .select({ id: users.id, username: users.username, email: users.email, status: users.status, addedAt: userRoles.addedAt })
          .from(userRoles)
          .innerJoin(users, eq(users.id, userRoles.userId))
          .where(eq(userRoles.roleId, roleId))
          .orderBy(asc(users.id))
          .limit(p.pageSize)
          .offset(offsetOf(p)),
      }));
    },

    permissionsPage(filter) {
      const conds: SQL[] = [];
      if (filter.nameContains) conds.push(contains(permissions.name, filter.nameContains));
      if (filter.category) conds.push(eq(permissions.category, filter.category));
      const where = conds.length ? and(...conds) : undefined;
      return snapshot(db, async (tx) => ({
        total: total(await tx.select({ n: count() }).from(permissions).where(where)),
        items: await tx.select().from(permissions).where(where).orderBy(asc(permissions.id)).limit(filter.pageSize).offset(offsetOf(filter)),
      }));
    },

    async createRole(input, now) {
      return write(async (tx, tags) => {
        if ((await tx.select({ id: roles.id }).from(roles).where(eq(roles.name, input.name))).length) throw new CoreError('conflict', { field: 'name' });
        const [role] = await tx.insert(roles).values({ name: input.name, description: input.description, builtin: input.builtin, createdAt: now, updatedAt: now }).returning();
        await replaceRolePermissions(tx, role!.id, input.permissionIds);
        tags.add('rbac');
        return role!;
      });
    },

    async updateRole(id, patch, permissionIds, now) {
      return write(async (tx, tags) => {
        if (!(await tx.select({ id: roles.id }).from(roles).where(eq(roles.id, id)).for('no key update')).length) throw new CoreError('not_found', { entity: 'role', id });
        const [clash] = patch.name === undefined ? [] : await tx.select({ id: roles.id }).from(roles).where(eq(roles.name, patch.name));
        if (clash && clash.id !== id) throw new CoreError('conflict', { field: 'name' });
        const fields: { name?: string; description?: string | null } = {};
        if (patch.name !== undefined) fields.name = patch.name;
        if (patch.description !== undefined) fields.description = patch.description;
        const [role] = await tx.update(roles).set({ ...fields, updatedAt: now }).where(eq(roles.id, id)).returning();
        if (permissionIds !== undefined) await replaceRolePermissions(tx, id, permissionIds);
        tags.add('rbac');
        return role!;
      });
    },

    /** Holders lose the role (cascade), so their pages change too: `rbac` and `users`. */
    async deleteRole(id, guard) {
      await write(async (tx, tags) => {
        const [role] = await tx.select().from(roles).where(eq(roles.id, id)).for('update');
        if (!role) throw new CoreError('not_found', { entity: 'role', id });
        guard(role);
        await tx.delete(roles).where(eq(roles.id, id));
        tags.add('rbac').add('users');
      });
    },

    async createPermission(input, now) {
      return write(async (tx, tags) => {
        if ((await tx.select({ id: permissions.id }).from(permissions).where(eq(permissions.name, input.name))).length) throw new CoreError('conflict', { field: 'name' });
        const [p] = await tx
          .insert(permissions)
          .values({ name: input.name, category: input.category, description: input.description, method: input.method, path: input.path, createdAt: now })
          .returning();
        tags.add('rbac');
        return p! satisfies Permission;
      });
    },

    /** Conflict {field: 'name'} when the name is taken (as the core checked before the port). */
    async createDepartment(input, now) {
      return write(async (tx, tags) => {
        if ((await tx.select({ id: departments.id }).from(departments).where(eq(departments.name, input.name))).length) throw new CoreError('conflict', { field: 'name' });
        const [d] = await tx
          .insert(departments)
          .values({ name: input.name, description: input.description, parentId: input.parentId, createdAt: now, updatedAt: now })
          .returning();
        tags.add('rbac');
        return d!;
      });
    },
  };
}
