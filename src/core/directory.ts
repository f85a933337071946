import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { departments, permissions, rolePermissions, roles, userRoles, users } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';
import { CoreError } from './errors.ts';

export type Role = typeof roles.$inferSelect;
export type Permission = typeof permissions.$inferSelect;
export type Department = typeof departments.$inferSelect;
export interface ApiGrant {
  method: string;
  path: string;
}

/** Roles, permissions and departments, and who holds what. */
const contains = (column: SQL.Aliased | typeof roles.name | typeof permissions.name, needle: string) =>
  sql`${column} like ${'%' + needle.replace(/[\\%_]/g, (c) => '\\' + c) + '%'} escape '\\'`;

export interface Page {
  page: number;
  pageSize: number;
}

export function createDirectory({ db, clock, cache }: CoreContext) {
  // One prepared IN (…) statement per number of users asked for, up to a page.
  const ROLES_CHUNK = 100;
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

  function rolesOf(userIds: number[]): Map<number, Role[]> {
    const out = new Map<number, Role[]>(userIds.map((id) => [id, []]));
    const unique = [...out.keys()];
    for (let i = 0; i < unique.length; i += ROLES_CHUNK) {
      const chunk = unique.slice(i, i + ROLES_CHUNK);
      let stmt = rolesIn.get(chunk.length);
      if (!stmt) rolesIn.set(chunk.length, (stmt = prepareRolesIn(chunk.length)));
      for (const r of stmt.all(Object.fromEntries(chunk.map((id, j) => [`u${j}`, id])))) out.get(r.userId)!.push(r.role);
    }
    return out;
  }

  /** Remembered until the store changes (a role or grant edit anywhere is a write). */
  function permissionsOf(userId: number): Permission[] {
    return cache.remember(`perms|${userId}`, () => permissionsOfUser.all({ userId }).map((r) => r.p));
  }

  function setRolePermissions(roleId: number, permissionIds: number[]): void {
    const ids = [...new Set(permissionIds)];
    const found = ids.length ? db.select({ id: permissions.id }).from(permissions).where(inArray(permissions.id, ids)).all().length : 0;
    if (found !== ids.length) throw new CoreError('not_found', { entity: 'permission' });
    db.delete(rolePermissions).where(eq(rolePermissions.roleId, roleId)).run();
    for (const permissionId of ids) db.insert(rolePermissions).values({ roleId, permissionId }).run();
  }

  return {
    rolesOf,
    permissionsOf,

    /** The (method, path template) API grants of a user's roles. */
    apiGrants(userId: number): ApiGrant[] {
      return permissionsOf(userId).flatMap((p) => (p.method && p.path ? [{ method: p.method, path: p.path }] : []));
    },

    departmentByName(name: string): Department | undefined {
      return db.select().from(departments).where(eq(departments.name, name)).get();
    },

    department(id: number): Department | undefined {
      return departmentById.get({ id });
    },

    departments(ids: number[]): Map<number, Department> {
      const out = new Map<number, Department>();
      for (const id of new Set(ids)) {
        const d = departmentById.get({ id });
        if (d) out.set(id, d);
      }
      return out;
    },

    role(id: number): Role | undefined {
      return db.select().from(roles).where(eq(roles.id, id)).get();
    },

    roleByName(name: string): Role | undefined {
      return db.select().from(roles).where(eq(roles.name, name)).get();
    },

    permissionsOfRole(roleId: number): Permission[] {
      return db
        .select({ p: permissions })
        .from(rolePermissions)
        .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
        .where(eq(rolePermissions.roleId, roleId))
        .orderBy(asc(permissions.id))
        .all()
        .map((r) => r.p);
    },

    listPermissions(): Permission[] {
      return db.select().from(permissions).orderBy(asc(permissions.id)).all();
    },

    createRole(input: { name: string; description?: string | null; permissionIds?: number[]; builtin?: boolean }): Role {
      return db.transaction(() => {
        if (db.select({ id: roles.id }).from(roles).where(eq(roles.name, input.name)).get()) throw new CoreError('conflict', { field: 'name' });
        const now = clock.now();
        const role = db.insert(roles).values({ name: input.name, description: input.description ?? null, builtin: input.builtin ?? false, createdAt: now, updatedAt: now }).returning().get();
        setRolePermissions(role.id, input.permissionIds ?? []);
        return role;
      });
    },

    updateRole(id: number, patch: { name?: string; description?: string | null; permissionIds?: number[] }): Role {
      return db.transaction(() => {
        if (!db.select({ id: roles.id }).from(roles).where(eq(roles.id, id)).get()) throw new CoreError('not_found', { entity: 'role', id });
        const clash = patch.name === undefined ? undefined : db.select({ id: roles.id }).from(roles).where(eq(roles.name, patch.name)).get();
        if (clash && clash.id !== id) throw new CoreError('conflict', { field: 'name' });
        const { permissionIds, ...fields } = patch;
        const role = db.update(roles).set({ ...fields, updatedAt: clock.now() }).where(eq(roles.id, id)).returning().get()!;
        if (permissionIds !== undefined) setRolePermissions(id, permissionIds);
        return role;
      });
    },

    /** Built-in roles stay. Holders lose the role (cascade). */
    deleteRole(id: number): void {
      const role = db.select().from(roles).where(eq(roles.id, id)).get();
      if (!role) throw new CoreError('not_found', { entity: 'role', id });
      if (role.builtin) throw new CoreError('forbidden', { reason: 'builtin' });
      db.delete(roles).where(eq(roles.id, id)).run();
    },

    createPermission(input: { name: string; category?: string; description?: string | null; method?: string | null; path?: string | null }): Permission {
      if (db.select({ id: permissions.id }).from(permissions).where(eq(permissions.name, input.name)).get()) throw new CoreError('conflict', { field: 'name' });
      return db
        .insert(permissions)
        .values({ name: input.name, category: input.category ?? 'general', description: input.description ?? null, method: input.method ?? null, path: input.path ?? null, createdAt: clock.now() })
        .returning()
        .get();
    },

    createDepartment(input: { name: string; description?: string | null; parentId?: number }): Department {
      if (db.select({ id: departments.id }).from(departments).where(eq(departments.name, input.name)).get()) throw new CoreError('conflict', { field: 'name' });
      const now = clock.now();
      return db
        .insert(departments)
        .values({ name: input.name, description: input.description ?? null, parentId: input.parentId ?? 0, createdAt: now, updatedAt: now })
        .returning()
        .get();
    },

    /** Roles by name, in the order asked; `missing` names no role. */
    rolesByName(names: string[]): { roles: Role[]; missing: string | undefined } {
      const found = new Map(names.length ? db.select().from(roles).where(inArray(roles.name, names)).all().map((r) => [r.name, r]) : []);
      return { roles: names.flatMap((n) => (found.has(n) ? [found.get(n)!] : [])), missing: names.find((n) => !found.has(n)) };
    },

    /** Permission ids by name; `missing` names no permission. */
    permissionsByName(names: string[]): { ids: number[]; missing: string | undefined } {
      const found = new Map(names.length ? db.select().from(permissions).where(inArray(permissions.name, names)).all().map((p) => [p.name, p.id]) : []);
      return { ids: names.flatMap((n) => (found.has(n) ? [found.get(n)!] : [])), missing: names.find((n) => !found.has(n)) };
    },

    userCount(roleId: number): number {
      return db.select({ n: count() }).from(userRoles).where(eq(userRoles.roleId, roleId)).get()?.n ?? 0;
    },

    rolesPage(filter: Page & { nameContains?: string }): { total: number; items: Role[] } {
      const where = filter.nameContains ? contains(roles.name, filter.nameContains) : undefined;
      return {
        total: db.select({ n: count() }).from(roles).where(where).get()?.n ?? 0,
        items: db.select().from(roles).where(where).orderBy(asc(roles.id)).limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).all(),
      };
    },

    /** The holders of a role, with when they got it. */
    roleUsers(roleId: number, p: Page) {
      return {
        total: db.select({ n: count() }).from(userRoles).where(eq(userRoles.roleId, roleId)).get()?.n ?? 0,
        items: db
          .select({ id: users.id, username: users.username, email: users.email, status: users.status, addedAt: userRoles.addedAt })
          .from(userRoles)
          .innerJoin(users, eq(users.id, userRoles.userId))
          .where(eq(userRoles.roleId, roleId))
          .orderBy(asc(users.id))
          .limit(p.pageSize)
          .offset((p.page - 1) * p.pageSize)
          .all(),
      };
    },

    permissionsPage(filter: Page & { nameContains?: string; category?: string }): { total: number; items: Permission[] } {
      const conds: SQL[] = [];
      if (filter.nameContains) conds.push(contains(permissions.name, filter.nameContains));
      if (filter.category) conds.push(eq(permissions.category, filter.category));
      const where = conds.length ? and(...conds) : undefined;
      return {
        total: db.select({ n: count() }).from(permissions).where(where).get()?.n ?? 0,
        items: db.select().from(permissions).where(where).orderBy(asc(permissions.id)).limit(filter.pageSize).offset((filter.page - 1) * filter.pageSize).all(),
      };
    },


    /** Throws not_found for the first id that names no role. */
    requireRoles(ids: number[]): void {
      if (ids.length === 0) return;
      const found = new Set(db.select({ id: roles.id }).from(roles).where(inArray(roles.id, ids)).all().map((r) => r.id));
      const missing = ids.find((id) => !found.has(id));
      if (missing !== undefined) throw new CoreError('not_found', { entity: 'role', id: missing });
    },
  };
}
export type Directory = ReturnType<typeof createDirectory>;

/** Does a grant's path template (`{param}` segments) match a request path exactly? */
export function grantMatches(grant: ApiGrant, method: string, path: string): boolean {
  if (grant.method !== method) return false;
  const pattern = grant.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]*\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}
