import type { ApiKey, Core, Permission, Role, User } from '../../src/core/index.ts';
import { id, iso } from './envelope.ts';

export function createViews(core: Core) {
  const roleNames = (u: User) => (core.directory.rolesOf([u.id]).get(u.id) ?? []).map((r) => r.name);
  const permissionNames = (u: User) => core.directory.permissionsOf(u.id).map((p) => p.name);
  const department = (u: User) => (u.deptId === null ? null : (core.directory.department(u.deptId)?.name ?? null));

  return {
    roleNames,
    permissionNames,
    userInfo: (u: User) => ({ id: id(u.id), username: u.username, email: u.email, roles: roleNames(u), permissions: permissionNames(u) }),
    userItem: (u: User, roles: Role[]) => ({ id: id(u.id), username: u.username, email: u.email, status: u.status, roles: roles.map((r) => r.name), created_at: iso(u.createdAt), last_login: iso(u.lastLoginAt) }),
    userDetail: (u: User) => ({
      id: id(u.id),
      username: u.username,
      email: u.email,
      status: u.status,
      roles: roleNames(u),
      permissions: permissionNames(u),
      profile: { real_name: u.realName, phone: u.phone, department: department(u), position: u.position },
      created_at: iso(u.createdAt),
      updated_at: iso(u.updatedAt),
      last_login: iso(u.lastLoginAt),
      login_count: u.loginCount,
    }),
    rolePermissions: (r: Role) => core.directory.permissionsOfRole(r.id).map((p) => p.name),
    permission: (p: Permission) => ({ id: id(p.id), name: p.name, category: p.category, description: p.description, created_at: iso(p.createdAt) }),
    key: (k: ApiKey) => ({
      id: id(k.id),
      name: k.name,
      key_prefix: k.prefix,
      status: core.apiKeys.effectiveStatus(k, core.clock.now()),
      permissions: k.permissions,
      created_by: core.users.get(k.userId)?.username ?? null,
      created_at: iso(k.createdAt),
      expires_at: iso(k.expiresAt),
      last_used_at: iso(k.lastUsedAt),
    }),
  };
}
export type Views = ReturnType<typeof createViews>;
