import type * as v from 'valibot';
import { isCoreError, type Role } from '../../../src/core/index.ts';
import { fail, id, iso, listed, ok } from '../envelope.ts';
import { coreErrorReply, FORBIDDEN } from '../errors.ts';
import type { Deps, Endpoint } from '../route.ts';
import { CreatePermission, CreateRole, PageQuery, PermissionQuery, RoleQuery, UpdateRole } from '../schemas.ts';
import type { Views } from '../views.ts';
import { pathId } from './users.ts';

const ROLES = '/api/v1/auth/roles';
const PERMISSIONS = '/api/v1/auth/permissions';

/** Roles and permissions: management, so `admin` only. */
export function roleEndpoints({ core }: Deps, views: Views): Endpoint[] {
  const roleItem = (r: Role) => ({ id: id(r.id), name: r.name, description: r.description, permissions: views.rolePermissions(r), created_at: iso(r.createdAt), user_count: core.directory.userCount(r.id) });

  /** Permission names → ids; an unknown name is a 400 naming it. */
  function permissionIds(names: string[]) {
    const { ids, missing } = core.directory.permissionsByName(names);
    return missing === undefined ? ids : fail(400, `权限不存在: ${missing}`);
  }
  const conflictAs = (entity: 'role' | 'permission', f: () => ReturnType<typeof ok>) => {
    try {
      return f();
    } catch (e) {
      if (isCoreError(e, 'conflict')) return coreErrorReply(e, entity);
      throw e;
    }
  };

  const list: Endpoint<v.InferOutput<typeof RoleQuery>> = {
    method: 'GET',
    path: ROLES,
    query: RoleQuery,
    handle({ principal, query }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const { total, items } = core.directory.rolesPage({ page: query.page, pageSize: query.page_size, ...(query.name && { nameContains: query.name }) });
      return listed('roles', query, total, items.map(roleItem));
    },
  };

  const detail: Endpoint = {
    method: 'GET',
    path: `${ROLES}/:id`,
    handle({ principal, params }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const role = core.directory.role(pathId(params.id, 'role'));
      if (!role) return fail(404, '角色不存在');
      const { user_count, ...item } = roleItem(role);
      return ok('查询成功', { ...item, updated_at: iso(role.updatedAt), user_count });
    },
  };

  const create: Endpoint<unknown, v.InferOutput<typeof CreateRole>> = {
    method: 'POST',
    path: ROLES,
    body: CreateRole,
    handle({ principal, body }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const ids = permissionIds(body.permissions);
      if (!Array.isArray(ids)) return ids;
      return conflictAs('role', () => {
        const role = core.directory.createRole({ name: body.name, description: body.description ?? null, permissionIds: ids });
        return ok('角色创建成功', { id: id(role.id), name: role.name, description: role.description, permissions: views.rolePermissions(role), created_at: iso(role.createdAt) });
      });
    },
  };

  const update: Endpoint<unknown, v.InferOutput<typeof UpdateRole>> = {
    method: 'PUT',
    path: `${ROLES}/:id`,
    body: UpdateRole,
    handle({ principal, params, body }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const roleId = pathId(params.id, 'role');
      let ids: number[] | undefined;
      if (body.permissions) {
        const r = permissionIds(body.permissions);
        if (!Array.isArray(r)) return r;
        ids = r;
      }
      return conflictAs('role', () => {
        const role = core.directory.updateRole(roleId, {
          ...(body.name !== undefined && { name: body.name }),
          ...(body.description !== undefined && { description: body.description }),
          ...(ids !== undefined && { permissionIds: ids }),
        });
        return ok('角色更新成功', { id: id(role.id), name: role.name, description: role.description, permissions: views.rolePermissions(role), updated_at: iso(role.updatedAt) });
      });
    },
  };

  const remove: Endpoint = {
    method: 'DELETE',
    path: `${ROLES}/:id`,
    handle({ principal, params }) {
      if (!principal.isAdmin) return FORBIDDEN();
      try {
        core.directory.deleteRole(pathId(params.id, 'role'));
      } catch (e) {
        if (isCoreError(e, 'forbidden')) return fail(400, '内置角色不能删除');
        throw e;
      }
      return ok('角色删除成功');
    },
  };

  const users: Endpoint<v.InferOutput<typeof PageQuery>> = {
    method: 'GET',
    path: `${ROLES}/:id/users`,
    query: PageQuery,
    handle({ principal, params, query }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const roleId = pathId(params.id, 'role');
      if (!core.directory.role(roleId)) return fail(404, '角色不存在');
      const { total, items } = core.directory.roleUsers(roleId, { page: query.page, pageSize: query.page_size });
      return listed('users', query, total, items.map((u) => ({ id: id(u.id), username: u.username, email: u.email, status: u.status, added_at: iso(u.addedAt) })));
    },
  };

  const permissions: Endpoint<v.InferOutput<typeof PermissionQuery>> = {
    method: 'GET',
    path: PERMISSIONS,
    query: PermissionQuery,
    handle({ principal, query }) {
      if (!principal.isAdmin) return FORBIDDEN();
      const { total, items } = core.directory.permissionsPage({
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
    handle({ principal, body }) {
      if (!principal.isAdmin) return FORBIDDEN();
      return conflictAs('permission', () =>
        ok('权限创建成功', views.permission(core.directory.createPermission({ name: body.name, category: body.category, description: body.description ?? null }))),
      );
    },
  };

  return [list, create, detail, update, remove, users, permissions, createPermission];
}
