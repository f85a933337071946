import type * as v from 'valibot';
import type { Role } from '../../../src/core/index.ts';
import { fail, id, iso, listed, ok } from '../envelope.ts';
import { FORBIDDEN, PERMISSION_ERRORS, ROLE_ERRORS } from '../errors.ts';
import type { Deps } from '../principal.ts';
import type { Endpoint } from '../stages.ts';
import { CreatePermission, CreateRole, PageQuery, PermissionQuery, RoleQuery, UpdateRole } from '../schemas.ts';
import type { Views } from '../views.ts';
import { pathId } from './users.ts';

const ROLES = '/api/v1/auth/roles';
const PERMISSIONS = '/api/v1/auth/permissions';

/** Roles and permissions: management, so `admin` only. */
export function roleEndpoints({ core }: Deps, views: Views): Endpoint[] {
  const roleItem = async (r: Role) => ({
    id: id(r.id),
    name: r.name,
    description: r.description,
    permissions: await views.rolePermissions(r),
    created_at: iso(r.createdAt),
    user_count: await core.directory.userCount(r.id),
  });

  /** Permission names → ids; an unknown name is a 400 naming it. */
  async function permissionIds(names: string[]) {
    const { ids, missing } = await core.directory.permissionsByName(names);
    return missing === undefined ? ids : fail(400, `权限不存在: ${missing}`);
  }

  const list: Endpoint<v.InferOutput<typeof RoleQuery>> = {
    method: 'GET',
    path: ROLES,
    query: RoleQuery,
    async handle({ principal, query }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const { total, items } = await core.directory.rolesPage({ page: query.page, pageSize: query.page_size, ...(query.name && { nameContains: query.name }) });
      return listed('roles', query, total, await Promise.all(items.map(roleItem)));
    },
  };

  const detail: Endpoint = {
    method: 'GET',
    path: `${ROLES}/:id`,
    async handle({ principal, params }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const role = await core.directory.role(pathId(params.id, 'role'));
      if (!role) return fail(404, '角色不存在');
      const { user_count, ...item } = await roleItem(role);
      return ok('查询成功', { ...item, updated_at: iso(role.updatedAt), user_count });
    },
  };

  const create: Endpoint<unknown, v.InferOutput<typeof CreateRole>> = {
    method: 'POST',
    path: ROLES,
    body: CreateRole,
    errors: ROLE_ERRORS,
    async handle({ principal, body }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const ids = await permissionIds(body.permissions);
      if (!Array.isArray(ids)) return ids;
      const role = await core.directory.createRole({ name: body.name, description: body.description ?? null, permissionIds: ids });
      return ok('角色创建成功', { id: id(role.id), name: role.name, description: role.description, permissions: await views.rolePermissions(role), created_at: iso(role.createdAt) });
    },
  };

  const update: Endpoint<unknown, v.InferOutput<typeof UpdateRole>> = {
    method: 'PUT',
    path: `${ROLES}/:id`,
    body: UpdateRole,
    errors: ROLE_ERRORS,
    async handle({ principal, params, body }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const roleId = pathId(params.id, 'role');
      let ids: number[] | undefined;
      if (body.permissions) {
        const r = await permissionIds(body.permissions);
        if (!Array.isArray(r)) return r;
        ids = r;
      }
      const role = await core.directory.updateRole(roleId, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.description !== undefined && { description: body.description }),
        ...(ids !== undefined && { permissionIds: ids }),
      });
      return ok('角色更新成功', { id: id(role.id), name: role.name, description: role.description, permissions: await views.rolePermissions(role), updated_at: iso(role.updatedAt) });
    },
  };

  const remove: Endpoint = {
    method: 'DELETE',
    path: `${ROLES}/:id`,
    // The core refuses to delete a built-in role.
    errors: { forbidden: fail(400, '内置角色不能删除') },
    async handle({ principal, params }) {
      if (!principal.isAdmin) return FORBIDDEN();
      await core.directory.deleteRole(pathId(params.id, 'role'));
      return ok('角色删除成功');
    },
  };

  const users: Endpoint<v.InferOutput<typeof PageQuery>> = {
    method: 'GET',
    path: `${ROLES}/:id/users`,
    query: PageQuery,
    async handle({ principal, params, query }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const roleId = pathId(params.id, 'role');
      if (!(await core.directory.role(roleId))) return fail(404, '角色不存在');
      const { total, items } = await core.directory.roleUsers(roleId, { page: query.page, pageSize: query.page_size });
      return listed('users', query, total, items.map((u) => ({ id: id(u.id), username: u.username, email: u.email, status: u.status, added_at: iso(u.addedAt) })));
    },
  };

  const permissions: Endpoint<v.InferOutput<typeof PermissionQuery>> = {
    method: 'GET',
    path: PERMISSIONS,
    query: PermissionQuery,
    async handle({ principal, query }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const { total, items } = await core.directory.permissionsPage({
        page: query.page,
        pageSize: query.page_size,
        ...(query.name && { nameContains: query.name }),
        ...(query.category && { category: query.category }),
      });
      return listed('permissions', query, total, items.map(views.permission));
    },
  };

  const createPermission: Endpoint<unknown, v.InferOutput<typeof CreatePermission>> = {
    method: 'POST',
    path: PERMISSIONS,
    body: CreatePermission,
    errors: PERMISSION_ERRORS,
    async handle({ principal, body }) {
      if (!principal.isAdmin) return FORBIDDEN();
      return ok('权限创建成功', views.permission(await core.directory.createPermission({ name: body.name, category: body.category, description: body.description ?? null })));
    },
  };

  return [list, create, detail, update, remove, users, permissions, createPermission];
}
