import type { ApiKey, Core, Permission, Role, User } from '../../src/core/index.ts';
import { id, iso } from './envelope.ts';

/** Wire shapes; reads they need happen before rendering (no query per row inside a list). */
export function createViews(core: Core) {
  const roleNames = async (u: User) => ((await core.directory.rolesOf([u.id])).get(u.id) ?? []).map((r) => r.name);
  const permissionNames = async (u: User) => (await core.directory.permissionsOf(u.id)).map((p) => p.name);
  const department = async (u: User) => (u.deptId === null ? null : ((await core.directory.department(u.deptId))?.name ?? null));

  return {
    roleNames,
    permissionNames,
    userInfo: async (u: User) => ({ id: id(u.id), username: u.username, email: u.email, roles: await roleNames(u), permissions: await permissionNames(u) }),
    userItem: (u: User, roles: Role[]) => ({ id: id(u.id), username: u.username, email: u.email, status: u.status, roles: roles.map((r) => r.name), created_at: iso(u.createdAt), last_login: iso(u.lastLoginAt) }),
    userDetail: async (u: User) => ({
      id: id(u.id),
      username: u.username,
      email: u.email,
      status: u.status,
      roles: await roleNames(u),
      permissions: await permissionNames(u),
      profile: { real_name: u.realName, phone: u.phone, department: await department(u), position: u.position },
      created_at: iso(u.createdAt),
      updated_at: iso(u.updatedAt),
      last_login: iso(u.lastLoginAt),
      login_count: u.loginCount,
    }),
    rolePermissions: async (r: Role) => (await core.directory.permissionsOfRole(r.id)).map((p) => p.name),
    permission: (p: Permission) => ({ id: id(p.id), name: p.name, category: p.category, description: p.description, created_at: iso(p.createdAt) }),
    /** Keys with their creators' names, read once for the whole list. */
    async keys(keys: ApiKey[]) {
      const owners = new Map<number, string | null>();
      for (const userId of new Set(keys.map((k) => k.userId))) owners.set(userId, (await core.users.get(userId))?.username ?? null);
      return keys.map((k) => ({
        id: id(k.id),
        name: k.name,
        key_prefix: k.prefix,
        status: core.apiKeys.effectiveStatus(k, core.clock.now()),
        permissions: k.permissions,
        created_by: owners.get(k.userId) ?? null,
        created_at: iso(k.createdAt),
        expires_at: iso(k.expiresAt),
        last_used_at: iso(k.lastUsedAt),
      }));
    },
  };
}
export type Views = ReturnType<typeof createViews>;
