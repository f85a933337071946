import type * as v from 'valibot';
import { CoreError } from '../../../src/core/index.ts';
import type { Reply } from '../../../src/http/pipeline.ts';
import { fail, id, iso, listed, ok } from '../envelope.ts';
import { andThen } from '../../../src/http/settle.ts';
import { FORBIDDEN, KEY_FORBIDDEN, NOT_SELF } from '../errors.ts';
import { actorOf, type Deps, type Principal } from '../principal.ts';
import type { Endpoint } from '../stages.ts';
import { ChangePassword, CreateUser, ResetPassword, strongEnough, UpdateUser, UserQuery } from '../schemas.ts';
import type { Views } from '../views.ts';

const BASE = '/api/v1/auth/users';
const TEMPORARY_TTL_S = 86_400;
type ProfileIn = { real_name?: string | null; phone?: string | null; department?: string | null; position?: string | null };

/** The numeric id of a path parameter, or a 404 (ids are strings of digits). */
export function pathId(raw: string | undefined, entity: string): number {
  if (!raw || !/^\d{1,15}$/.test(raw)) throw new CoreError('not_found', { entity });
  return Number(raw);
}

export function userEndpoints({ core }: Deps, views: Views): Endpoint[] {
  const admin = (p: Principal) => p.isAdmin;

  /** Role names → ids; an unknown name is a 400 naming it. */
  async function roleIds(names: string[]): Promise<number[] | Reply> {
    const { roles, missing } = await core.directory.rolesByName(names);
    return missing === undefined ? roles.map((r) => r.id) : fail(400, `角色不存在: ${missing}`);
  }

  /** Profile fields merge; a department is found by name or created. */
  async function profileFields(profile: ProfileIn | undefined) {
    if (!profile) return {};
    const out: { realName?: string | null; phone?: string | null; position?: string | null; deptId?: number | null } = {};
    if (profile.real_name !== undefined) out.realName = profile.real_name;
    if (profile.phone !== undefined) out.phone = profile.phone;
    if (profile.position !== undefined) out.position = profile.position;
    if (profile.department !== undefined) {
      const name = profile.department;
      out.deptId = name === null || name === '' ? null : ((await core.directory.departmentByName(name)) ?? (await core.directory.createDepartment({ name }))).id;
    }
    return out;
  }

  const list: Endpoint<v.InferOutput<typeof UserQuery>> = {
    method: 'GET',
    path: BASE,
    query: UserQuery,
    handle({ principal, query }) {
      if (!admin(principal)) return FORBIDDEN();
      const page = core.users.page({
        page: query.page,
        pageSize: query.page_size,
        ...(query.username && { usernameContains: query.username }),
        ...(query.email && { emailContains: query.email }),
        ...(query.status && { status: query.status }),
      });
      return andThen(page, ({ total, items }) => listed('users', query, total, items.map((i) => views.userItem(i.user, i.roles))));
    },
  };

  const detail: Endpoint = {
    method: 'GET',
    path: `${BASE}/:id`,
    async handle({ principal, params }) {
      const userId = pathId(params.id, 'user');
      if (userId !== principal.user.id && !admin(principal)) return FORBIDDEN();
      const user = await core.users.get(userId);
      if (!user) return fail(404, '用户不存在');
      return ok('查询成功', await views.userDetail(user));
    },
  };

  const create: Endpoint<unknown, v.InferOutput<typeof CreateUser>> = {
    method: 'POST',
    path: BASE,
    body: CreateUser,
    async handle({ principal, body }) {
      if (!admin(principal)) return FORBIDDEN();
      // A new user comes with a password: a credential, which a request made with a key may not set (the core's rule,
      // answered before the body's own checks).
      if (principal.key) return KEY_FORBIDDEN();
      const ids = await roleIds(body.roles);
      if (!Array.isArray(ids)) return ids;
      if (!strongEnough(body.password, body.username)) return fail(400, '密码不符合复杂度要求');
      if (await core.users.byUsername(body.username)) return fail(409, '用户名已存在');
      const fields = await profileFields(body.profile);
      const user = await core.users.create({ username: body.username, email: body.email, password: body.password, roleIds: ids, ...fields }, actorOf(principal));
      return ok('用户创建成功', { id: id(user.id), username: user.username, email: user.email, status: user.status, roles: await views.roleNames(user), created_at: iso(user.createdAt) });
    },
  };

  const update: Endpoint<unknown, v.InferOutput<typeof UpdateUser>> = {
    method: 'PUT',
    path: `${BASE}/:id`,
    body: UpdateUser,
    async handle({ principal, params, body }) {
      if (!admin(principal)) return FORBIDDEN();
      const userId = pathId(params.id, 'user');
      if (!(await core.users.get(userId))) return fail(404, '用户不存在');
      let ids: number[] | undefined;
      if (body.roles) {
        const r = await roleIds(body.roles);
        if (!Array.isArray(r)) return r;
        ids = r;
      }
      const fields = await profileFields(body.profile);
      const user = await core.users.update(
        userId,
        {
          ...(body.email !== undefined && { email: body.email }),
          ...(body.status !== undefined && { status: body.status }),
          ...(ids !== undefined && { roleIds: ids }),
          ...fields,
        },
        actorOf(principal),
      );
      return ok('用户信息更新成功', { id: id(user.id), username: user.username, email: user.email, status: user.status, roles: await views.roleNames(user), updated_at: iso(user.updatedAt) });
    },
  };

  const remove: Endpoint = {
    method: 'DELETE',
    path: `${BASE}/:id`,
    async handle({ principal, params }) {
      if (!admin(principal)) return FORBIDDEN();
      const userId = pathId(params.id, 'user');
      if (userId === principal.user.id) return fail(400, '不能删除当前登录用户');
      await core.users.delete(userId, actorOf(principal));
      return ok('用户删除成功');
    },
  };

  /** Self only; the caller's own session survives, every other token of the user dies. */
  const password: Endpoint<unknown, v.InferOutput<typeof ChangePassword>> = {
    method: 'PUT',
    path: `${BASE}/:id/password`,
    body: ChangePassword,
    errors: { invalid_credentials: fail(400, '当前密码错误') },
    async handle({ principal, params, body }) {
      const userId = pathId(params.id, 'user');
      if (userId !== principal.user.id) return NOT_SELF();
      if (!strongEnough(body.new_password, principal.user.username)) return fail(400, '密码不符合复杂度要求');
      await core.users.changePassword(userId, body.current_password, body.new_password, actorOf(principal), principal.claims?.sid);
      return ok('密码修改成功');
    },
  };

  const reset: Endpoint<unknown, v.InferOutput<typeof ResetPassword>> = {
    method: 'POST',
    path: `${BASE}/:id/reset-password`,
    body: ResetPassword,
    async handle({ principal, params, body }) {
      if (!admin(principal)) return FORBIDDEN();
      const userId = pathId(params.id, 'user');
      const temporary = await core.users.issueTemporaryPassword(userId, { ttlMs: TEMPORARY_TTL_S * 1000, mail: body.send_email }, actorOf(principal));
      return ok(body.send_email ? '密码重置成功,新密码已发送至用户邮箱' : '密码重置成功', { temporary_password: temporary, expires_in: TEMPORARY_TTL_S });
    },
  };

  return [list, create, detail, update, remove, password, reset];
}

