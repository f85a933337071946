import { andThen } from '../../../src/http/settle.ts';
import type * as v from 'valibot';
import type { AppConfig } from '../../../src/config.ts';
import { asUser, type Core } from '../../../src/core/index.ts';
import { renderOnce } from '../../../src/http/body.ts';
import { deny } from '../../../src/http/pipeline.ts';
import { fail, paged, success } from '../envelope.ts';
import { USER_OPERATION_FAILURES, userOperationErrors } from '../errors.ts';
import type { Endpoint } from '../stages.ts';
import { ResetPassword, UserCreate, UserIdQuery, UserListQuery, UserUpdate } from '../schemas.ts';
import { userDetail, userListItem } from '../views.ts';

type Out<S extends v.GenericSchema> = v.InferOutput<S>;
type PageResult = Awaited<ReturnType<Core['users']['page']>>;
const prefix = '/api/v1/users';
const statusOf = (isActive: boolean | undefined) => (isActive === undefined ? undefined : isActive ? 'active' : 'inactive');

/** Upstream wrote `null` into non-nullable columns and failed at the store with the operation's 400. */
const hasNull = (body: Record<string, unknown>, keys: string[]) => keys.some((k) => body[k] === null);

export function userEndpoints(core: Core, config: AppConfig): Endpoint<any, any>[] {
  const tz = config.timeZone;
  // Rendered once per page object: the core reuses it until the store changes.
  const renderItems = renderOnce((result: PageResult) => result.items.map((i) => JSON.stringify(userListItem(i.user, i.roles, i.department, tz))).join(','));

  const list: Endpoint<Out<typeof UserListQuery>> = {
    method: 'GET',
    path: `${prefix}/list`,
    guard: 'rbac',
    query: UserListQuery,
    errors: userOperationErrors('list'),
    handle({ query }) {
      const { page, page_size: pageSize } = query;
      // Non-positive pages made the legacy ORM fail; so do they here.
      if (page < 1 || pageSize < 1) return fail(400, USER_OPERATION_FAILURES.list);
      const answer = () =>
        andThen(core.users.page({ page, pageSize, usernameContains: query.username, emailContains: query.email, ...(query.dept_id !== undefined && { deptId: query.dept_id }) }), (result) =>
          paged(renderItems(result), result.total, page, pageSize),
        );
      if (query.dept_id === undefined || query.dept_id === 0) return answer();
      return andThen(core.directory.department(query.dept_id), (d) => (d ? answer() : fail(400, USER_OPERATION_FAILURES.list)));
    },
  };

  const get: Endpoint<Out<typeof UserIdQuery>> = {
    method: 'GET',
    path: `${prefix}/get`,
    guard: 'rbac',
    query: UserIdQuery,
    errors: userOperationErrors('get'),
    async handle({ query }) {
      const user = await core.users.get(query.user_id);
      if (!user) return deny(fail(400, USER_OPERATION_FAILURES.get), 'not_found', { entity: 'user', id: query.user_id });
      return success(userDetail(user, (await core.directory.rolesOf([user.id])).get(user.id) ?? [], tz));
    },
  };

  const create: Endpoint<unknown, Out<typeof UserCreate>> = {
    method: 'POST',
    path: `${prefix}/create`,
    guard: 'rbac',
    body: UserCreate,
    errors: userOperationErrors('create'),
    async handle({ user, body }) {
      if (hasNull(body, ['is_active', 'is_superuser'])) return fail(400, USER_OPERATION_FAILURES.create);
      await core.users.create({
        username: body.username,
        email: body.email,
        password: body.password,
        status: statusOf(body.is_active ?? true),
        isSuperuser: body.is_superuser ?? false,
        roleIds: body.role_ids ?? [],
        deptId: body.dept_id || null,
      }, asUser(user));
      return success(null, 'Created Successfully');
    },
  };

  const update: Endpoint<unknown, Out<typeof UserUpdate>> = {
    method: 'POST',
    path: `${prefix}/update`,
    guard: 'rbac',
    body: UserUpdate,
    errors: userOperationErrors('update'),
    async handle({ user, body }) {
      if (hasNull(body, ['is_active', 'is_superuser'])) return fail(400, USER_OPERATION_FAILURES.update);
      await core.users.update(body.id, {
        username: body.username,
        email: body.email,
        ...(body.is_active != null && { status: statusOf(body.is_active) }),
        ...(body.is_superuser != null && { isSuperuser: body.is_superuser }),
        ...(body.dept_id !== undefined && { deptId: body.dept_id || null }),
        // Upstream always replaced the roles: leaving role_ids out clears them.
        roleIds: body.role_ids ?? [],
      }, asUser(user));
      return success(null, 'Updated Successfully');
    },
  };

  const remove: Endpoint<Out<typeof UserIdQuery>> = {
    method: 'DELETE',
    path: `${prefix}/delete`,
    guard: 'rbac',
    query: UserIdQuery,
    errors: userOperationErrors('delete'),
    async handle({ user, query }) {
      await core.users.delete(query.user_id, asUser(user));
      return success(null, 'Deleted Successfully');
    },
  };

  const resetPassword: Endpoint<unknown, Out<typeof ResetPassword>> = {
    method: 'POST',
    path: `${prefix}/reset_password`,
    guard: 'rbac',
    body: ResetPassword,
    errors: userOperationErrors('resetPassword'),
    async handle({ user, body }) {
      // The new password goes to the outbox only; the answer does not show it, as upstream.
      await core.users.resetPassword(body.user_id, asUser(user), { refuseSuperuser: true });
      return success(null, '密码已重置');
    },
  };

  return [list, get, create, update, remove, resetPassword];
}
