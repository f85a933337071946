import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { CoreError } from '../../core/errors.ts';
import type { Department, DirectoryStore, Permission, Role } from '../store.ts';
import { contains, offsetOf, type Conn, type Ctx } from './conn.ts';
import { departments, permissions, rolePermissions, roles, userRoles, users } from './schema.ts';

/** not_found {entity: 'department', id} unless the department exists (null: none asked for). */
export function requireDepartment(c: Conn, deptId: number | null | undefined): void {
  if (deptId == null) return;
  if (!c.select({ id: departments.id }).from(departments).where(eq(departments.id, deptId)).get()) {
    throw new CoreError('not_found', { entity: 'department', id: deptId });
  }
}

/** not_found {entity: 'role', id} for the first id that names no role. */
export function requireRoles(c: Conn, ids: number[]): void {
  if (ids.length === 0) return;
  const found = new Set(c.select({ id: roles.id }).from(roles).where(inArray(roles.id, [...new Set(ids)])).all().map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw new CoreError('not_found', { entity: 'role', id: missing });
}

/** The user's roles become exactly `roleIds` (checked by the caller), stamped `now`. */
export function replaceUserRoles(c: Conn, userId: number, roleIds: number[], now: number): void {
  c.delete(userRoles).where(eq(userRoles.userId, userId)).run();
  for (const roleId of new Set(roleIds)) c.insert(userRoles).values({ userId, roleId, addedAt: now }).run();
}

/** The role's grants become exactly `permissionIds`; not_found {entity: 'permission'} when one names nothing. */
function replaceRolePermissions(c: Conn, roleId: number, permissionIds: number[]): void {
  const ids = [...new Set(permissionIds)];
  const found = ids.length ? c.select({ id: permissions.id }).from(permissions).where(inArray(permissions.id, ids)).all().length : 0;
  if (found !== ids.length) throw new CoreError('not_found', { entity: 'permission' });
  c.delete(rolePermissions).where(eq(rolePermissions.roleId, roleId)).run();
  for (const permissionId of ids) c.insert(rolePermissions).values({ roleId, permissionId }).run();
}

// One prepared IN (…) statement per number of users asked for, up to a chunk.
const ROLES_CHUNK = 100;

/** Roles, permissions and departments, and who holds what. Every write publishes `rbac`. */
export function createDirectoryStore({ db, write }: Ctx): DirectoryStore {
  const rolesIn = new Map<number, ReturnType<typeof prepareRolesIn>>();
  function prepareRolesIn(n: number) {
    const ids = Array.from({ length: n }, (_, i) => sql.placeholder(`u${i}`));
    return db
      .select({ userId: userRoles.userId, role: roles })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(inArray(userRoles.userId, ids))
      .orderBy(asc(roles.id))
      .prepare();
  }
  const permissionsOfUser = db
    .selectDistinct({ p: permissions })
    .from(userRoles)
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, userRoles.roleId))
    .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(eq(userRoles.userId, sql.placeholder('userId')))
    .orderBy(asc(permissions.id))
    .prepare();
  const departmentById = db.select().from(departments).where(eq(departments.id, sql.placeholder('id'))).prepare();

  const total = (q: { n: number } | undefined) => q?.n ?? 0;

  return {
    async rolesOf(userIds) {
      const out = new Map<number, Role[]>(userIds.map((id) => [id, []]));
      const unique = [...out.keys()];
      for (let i = 0; i < unique.length; i += ROLES_CHUNK) {
        const chunk = unique.slice(i, i + ROLES_CHUNK);
        let stmt = rolesIn.get(chunk.length);
        if (!stmt) rolesIn.set(chunk.length, (stmt = prepareRolesIn(chunk.length)));
        for (const r of stmt.all(Object.fromEntries(chunk.map((id, j) => [`u${j}`, id])))) out.get(r.userId)!.push(r.role);
      }
      return out;
    },

    permissionsOf: async (userId) => permissionsOfUser.all({ userId }).map((r) => r.p),

    department: async (id) => departmentById.get({ id }),

    async departments(ids) {
      const out = new Map<number, Department>();
      for (const id of new Set(ids)) {
        const d = departmentById.get({ id });
        if (d) out.set(id, d);
      }
      return out;
    },

    departmentByName: async (name) => db.select().from(departments).where(eq(departments.name, name)).get(),
    role: async (id) => db.select().from(roles).where(eq(roles.id, id)).get(),
    roleByName: async (name) => db.select().from(roles).where(eq(roles.name, name)).get(),

    /** In the order asked; names that match no role are left out. */
    async rolesByName(names) {
      const found = new Map(names.length ? db.select().from(roles).where(inArray(roles.name, [...new Set(names)])).all().map((r) => [r.name, r]) : []);
      return names.flatMap((n) => (found.has(n) ? [found.get(n)!] : []));
    },

    /** In the order asked; names that match no permission are left out. */
    async permissionsByName(names) {
      const found = new Map(names.length ? db.select().from(permissions).where(inArray(permissions.name, [...new Set(names)])).all().map((p) => [p.name, p]) : []);
      return names.flatMap((n) => (found.has(n) ? [found.get(n)!] : []));
    },

    permissionsOfRole: async (roleId) =>
      db
        .select({ p: permissions })
        .from(rolePermissions)
        .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
        .where(eq(rolePermissions.roleId, roleId))
        .orderBy(asc(permissions.id))
        .all()
        .map((r) => r.p),

    listPermissions: async () => db.select().from(permissions).orderBy(asc(permissions.id)).all(),

    userCount: async (roleId) => total(db.select({ n: count() }).from(userRoles).where(eq(userRoles.roleId, roleId)).get()),

    async rolesPage(filter) {
      const where = filter.nameContains ? contains(roles.name, filter.nameContains) : undefined;
      return db.transaction(() => ({
        total: total(db.select({ n: count() }).from(roles).where(where).get()),
        items: db.select().from(roles).where(where).orderBy(asc(roles.id)).limit(filter.pageSize).offset(offsetOf(filter)).all(),
      }));
    },

    /** The holders of a role, with when they got it, by user id. */
    async roleUsers(roleId, p) {
      return db.transaction(() => ({
        total: total(db.select({ n: count() }).from(userRoles).where(eq(userRoles.roleId, roleId)).get()),
        items: db
          .select({ id: users.id, username: users.username, email: users.email, status: users.status, addedAt: userRoles.addedAt })
          .from(userRoles)
          .innerJoin(users, eq(users.id, userRoles.userId))
          .where(eq(userRoles.roleId, roleId))
          .orderBy(asc(users.id))
          .limit(p.pageSize)
          .offset(offsetOf(p))
          .all(),
      }));
    },

    async permissionsPage(filter) {
      const conds: SQL[] = [];
      if (filter.nameContains) conds.push(contains(permissions.name, filter.nameContains));
      if (filter.category) conds.push(eq(permissions.category, filter.category));
      const where = conds.length ? and(...conds) : undefined;
      return db.transaction(() => ({
        total: total(db.select({ n: count() }).from(permissions).where(where).get()),
        items: db.select().from(permissions).where(where).orderBy(asc(permissions.id)).limit(filter.pageSize).offset(offsetOf(filter)).all(),
      }));
    },

    async createRole(input, now) {
      return write((tx, tags) => {
        if (tx.select({ id: roles.id }).from(roles).where(eq(roles.name, input.name)).get()) throw new CoreError('conflict', { field: 'name' });
        const role = tx.insert(roles).values({ name: input.name, description: input.description, builtin: input.builtin, createdAt: now, updatedAt: now }).returning().get();
        replaceRolePermissions(tx, role.id, input.permissionIds);
        tags.add('rbac');
        return role;
      });
    },

    async updateRole(id, patch, permissionIds, now) {
      return write((tx, tags) => {
        if (!tx.select({ id: roles.id }).from(roles).where(eq(roles.id, id)).get()) throw new CoreError('not_found', { entity: 'role', id });
        const clash = patch.name === undefined ? undefined : tx.select({ id: roles.id }).from(roles).where(eq(roles.name, patch.name)).get();
        if (clash && clash.id !== id) throw new CoreError('conflict', { field: 'name' });
        const fields: { name?: string; description?: string | null } = {};
        if (patch.name !== undefined) fields.name = patch.name;
        if (patch.description !== undefined) fields.description = patch.description;
        const role = tx.update(roles).set({ ...fields, updatedAt: now }).where(eq(roles.id, id)).returning().get()!;
        if (permissionIds !== undefined) replaceRolePermissions(tx, id, permissionIds);
        tags.add('rbac');
        return role;
      });
    },

    /** Holders lose the role (cascade), so their pages change too: `rbac` and `users`. */
    async deleteRole(id, guard) {
      write((tx, tags) => {
        const role = tx.select().from(roles).where(eq(roles.id, id)).get();
        if (!role) throw new CoreError('not_found', { entity: 'role', id });
        guard(role);
        tx.delete(roles).where(eq(roles.id, id)).run();
        tags.add('rbac').add('users');
      });
    },

    async createPermission(input, now) {
      return write((tx, tags) => {
        if (tx.select({ id: permissions.id }).from(permissions).where(eq(permissions.name, input.name)).get()) throw new CoreError('conflict', { field: 'name' });
        const p: Permission = tx
          .insert(permissions)
          .values({ name: input.name, category: input.category, description: input.description, method: input.method, path: input.path, createdAt: now })
          .returning()
          .get();
        tags.add('rbac');
        return p;
      });
    },

    /** Conflict {field: 'name'} when the name is taken (as the core checked before the port). */
    async createDepartment(input, now) {
      return write((tx, tags) => {
        if (tx.select({ id: departments.id }).from(departments).where(eq(departments.name, input.name)).get()) throw new CoreError('conflict', { field: 'name' });
        const d = tx
          .insert(departments)
          .values({ name: input.name, description: input.description, parentId: input.parentId, createdAt: now, updatedAt: now })
          .returning()
          .get();
        tags.add('rbac');
        return d;
      });
    },
  };
}
