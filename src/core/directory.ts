import type { Department, Permission, Role } from '../store/store.ts';
import { clampPage, type CoreContext } from './context.ts';
import { CoreError } from './errors.ts';
import { stampOf } from './ports.ts';

export type { Department, Permission, Role };
export interface ApiGrant {
  method: string;
  path: string;
}

export interface Page {
  page: number;
  pageSize: number;
}

/** Roles, permissions and departments, and who holds what. */
export function createDirectory({ store, clock, cache, policy }: CoreContext) {
  /** Remembered until a role, grant or the user's roles change. Synchronous on a hit. */
  function permissionsOf(userId: number): Permission[] | Promise<Permission[]> {
    return cache.remember(`perms|${userId}`, [`user:${userId}`, 'rbac'], () => store.directory.permissionsOf(userId));
  }

  const grantsOf = (permissions: Permission[]): ApiGrant[] => permissions.flatMap((p) => (p.method && p.path ? [{ method: p.method, path: p.path }] : []));

  const unique = (ids: number[] | undefined) => ids && [...new Set(ids)];

  return {
    /** Remembered until a role or one of these users changes. */
    rolesOf: (userIds: number[]): Map<number, Role[]> | Promise<Map<number, Role[]>> =>
      cache.remember(`roles|${userIds.join(',')}`, ['rbac', ...userIds.map((id) => `user:${id}`)], () => store.directory.rolesOf(userIds)),
    permissionsOf,

    /** The (method, path template) API grants of a user's roles. Synchronous on a hit. */
    apiGrants(userId: number): ApiGrant[] | Promise<ApiGrant[]> {
      const p = permissionsOf(userId);
      return p instanceof Promise ? p.then(grantsOf) : grantsOf(p);
    },

    departmentByName: (name: string) => store.directory.departmentByName(name),
    department: (id: number): Department | undefined | Promise<Department | undefined> => cache.remember(`dept|${id}`, ['rbac'], () => store.directory.department(id)),
    departments: (ids: number[]) => store.directory.departments(ids),
    role: (id: number) => store.directory.role(id),
    roleByName: (name: string) => store.directory.roleByName(name),
    permissionsOfRole: (roleId: number) => store.directory.permissionsOfRole(roleId),
    listPermissions: () => store.directory.listPermissions(),
    userCount: (roleId: number) => store.directory.userCount(roleId),

    createRole(input: { name: string; description?: string | null; permissionIds?: number[]; builtin?: boolean }): Promise<Role> {
      return store.directory.createRole({ name: input.name, description: input.description ?? null, builtin: input.builtin ?? false, permissionIds: unique(input.permissionIds) ?? [] }, stampOf(clock));
    },

    updateRole(id: number, patch: { name?: string; description?: string | null; permissionIds?: number[] }): Promise<Role> {
      const { permissionIds: ids, ...fields } = patch;
      return store.directory.updateRole(id, fields, unique(ids), stampOf(clock));
    },

    /** Built-in roles stay. Holders lose the role (cascade). */
    deleteRole: (id: number) =>
      store.directory.deleteRole(id, (role) => {
        if (role.builtin) throw new CoreError('forbidden', { reason: 'builtin' });
      }),

    createPermission: (input: { name: string; category?: string; description?: string | null; method?: string | null; path?: string | null }) =>
      store.directory.createPermission(
        { name: input.name, category: input.category ?? 'general', description: input.description ?? null, method: input.method ?? null, path: input.path ?? null },
        stampOf(clock),
      ),

    createDepartment: (input: { name: string; description?: string | null; parentId?: number }) =>
      store.directory.createDepartment({ name: input.name, description: input.description ?? null, parentId: input.parentId ?? 0 }, stampOf(clock)),

    /** Roles by name, in the order asked; `missing` names no role. */
    async rolesByName(names: string[]): Promise<{ roles: Role[]; missing: string | undefined }> {
      const found = new Map((names.length ? await store.directory.rolesByName(names) : []).map((r) => [r.name, r]));
      return { roles: names.flatMap((n) => (found.has(n) ? [found.get(n)!] : [])), missing: names.find((n) => !found.has(n)) };
    },

    /** Permission ids by name; `missing` names no permission. */
    async permissionsByName(names: string[]): Promise<{ ids: number[]; missing: string | undefined }> {
      const found = new Map((names.length ? await store.directory.permissionsByName(names) : []).map((p) => [p.name, p.id]));
      return { ids: names.flatMap((n) => (found.has(n) ? [found.get(n)!] : [])), missing: names.find((n) => !found.has(n)) };
    },

    rolesPage: (filter: Page & { nameContains?: string }) => store.directory.rolesPage({ ...filter, ...clampPage(policy, filter.page, filter.pageSize) }),
    roleUsers: (roleId: number, p: Page) => store.directory.roleUsers(roleId, clampPage(policy, p.page, p.pageSize)),
    permissionsPage: (filter: Page & { nameContains?: string; category?: string }) =>
      store.directory.permissionsPage({ ...filter, ...clampPage(policy, filter.page, filter.pageSize) }),
  };
}
export type Directory = ReturnType<typeof createDirectory>;

/** Does a grant's path template (`{param}` segments) match a request path exactly? */
export function grantMatches(grant: ApiGrant, method: string, path: string): boolean {
  if (grant.method !== method) return false;
  const pattern = grant.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]*\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}
