// The legacy `to_dict()` shapes. Key order follows the model declarations; `password` is never sent.
import type { Department, Role, User } from '../../src/core/index.ts';
import { formatWallClock } from '../../src/http/datetime.ts';

export type Dict = Record<string, unknown>;

export function userDict(u: User, tz: string): Dict {
  return {
    id: u.id,
    username: u.username,
    alias: u.alias,
    email: u.email,
    phone: u.phone,
    is_active: u.status !== 'inactive',
    is_superuser: u.isSuperuser,
    last_login: u.lastLoginAt === null ? null : formatWallClock(u.lastLoginAt, tz),
    dept_id: u.deptId ?? 0,
    created_at: formatWallClock(u.createdAt, tz),
    updated_at: formatWallClock(u.updatedAt, tz),
  };
}

export const roleDict = (r: Role, tz: string): Dict => ({
  id: r.id,
  created_at: formatWallClock(r.createdAt, tz),
  updated_at: formatWallClock(r.updatedAt, tz),
  name: r.name,
  desc: r.description,
});

export const deptDict = (d: Department, tz: string): Dict => ({
  id: d.id,
  created_at: formatWallClock(d.createdAt, tz),
  updated_at: formatWallClock(d.updatedAt, tz),
  name: d.name,
  desc: d.description,
  is_deleted: false,
  order: d.sortOrder,
  parent_id: d.parentId,
});

/** `/users/get`: the columns and the roles. */
export const userDetail = (u: User, roles: Role[], tz: string): Dict => ({ ...userDict(u, tz), roles: roles.map((r) => roleDict(r, tz)) });

/** `/users/list` items: `dept_id` gives way to the department dict (`{}` when none). */
export function userListItem(u: User, roles: Role[], dept: Department | undefined, tz: string): Dict {
  const { dept_id: _deptId, ...columns } = userDict(u, tz);
  return { ...columns, roles: roles.map((r) => roleDict(r, tz)), dept: dept ? deptDict(dept, tz) : {} };
}
