import { ANONYMOUS, type Core, type User } from '../../../src/core/index.ts';
import { formatWallClock } from '../../../src/http/datetime.ts';
import { noteUser } from '../../../src/http/decisions.ts';
import { clientIp } from '../../../src/http/client-ip.ts';
import { deny, requestOf } from '../../../src/http/pipeline.ts';
import { pyTruthy } from '../../../src/http/python/values.ts';
import { failure, PAGES, success } from '../envelope.ts';
import { LOGIN_ERRORS, REGISTER_ERRORS } from '../errors.ts';
import type { Endpoint } from '../stages.ts';
import { REFRESH_TTL_S, type Tokens } from '../tokens.ts';

const REGISTERED_ROLE = 'USER';

export function authEndpoints(core: Core, tokens: Tokens, timeZone: string) {
  const date = (ms: number | null) => (ms === null ? null : formatWallClock(ms, timeZone));

  const userDict = (u: User) => ({
    created_at: date(u.createdAt),
    email: u.email,
    faceInfo: null,
    last_login: date(u.lastLoginAt),
    phone: u.phone,
    status: u.status !== 'inactive',
    updated_at: date(u.updatedAt),
    user_id: u.uuid,
    username: u.username,
  });

  /** Roles, and their permissions concatenated role by role without repeats; a superuser holds every permission. */
  async function payload(u: User) {
    const roles = (await core.directory.rolesOf([u.id])).get(u.id) ?? [];
    const permissions = u.isSuperuser ? await core.directory.listPermissions() : (await Promise.all(roles.map((r) => core.directory.permissionsOfRole(r.id)))).flat();
    const seen = new Set<number>();
    return {
      permissions: permissions
        .filter((p) => !seen.has(p.id) && seen.add(p.id))
        .map((p) => ({ description: p.description, permission_id: p.id, permission_name: p.name })),
      role: roles.map((r) => ({ description: r.description, role_id: r.id, role_name: r.name })),
      user: userDict(u),
    };
  }

  /** The view's path under a prefix (the real mount is /api/auth; the seed prints the paths without /api). */
  const routes = (prefix: string): Endpoint[] => [
    { method: 'POST', path: `${prefix}/login`, credentials: true, errors: LOGIN_ERRORS, handle: login },
    { method: 'POST', path: `${prefix}/register`, credentials: true, errors: REGISTER_ERRORS, handle: register },
    { method: 'POST', path: `${prefix}/refresh`, jwt: 'refresh', handle: refresh },
  ];

  const login: Endpoint['handle'] = async ({ c, credentials }) => {
    const { username, password } = credentials;
    if (typeof username !== 'string') return typeof username === 'object' ? PAGES.internalError() : failure('登录失败');
    const user = await core.auth.authenticate(username, password, { ip: clientIp(c) });
    noteUser(requestOf(c), user.username);
    const access = tokens.sign(user.uuid, 'access');
    // Flask does not rotate refresh tokens: the refresh token's jti names the session, drawn where it always was.
    const jti = core.random.uuid();
    await core.sessions.start(user.id, 'flask', REFRESH_TTL_S * 1000, { sessionId: jti, refreshJti: jti });
    return success('登录成功', { access_token: access, payload: await payload(user), refresh_token: tokens.sign(user.uuid, 'refresh', jti) });
  };

  const register: Endpoint['handle'] = async ({ credentials }) => {
    const { username, password, data } = credentials;
    const email = pyTruthy(data.email) ? data.email : null;
    if (typeof username !== 'string' || (email !== null && typeof email !== 'string')) return PAGES.internalError();
    if (await core.users.byUsername(username)) return deny(failure('用户名已存在'), 'conflict', { field: 'username' });
    if (email !== null && (await core.users.byEmail(email))) return deny(failure('邮箱已经存在'), 'conflict', { field: 'email' });
    const role = await core.directory.roleByName(REGISTERED_ROLE);
    await core.users.create({ username, email, password, roleIds: role ? [role.id] : [] }, ANONYMOUS);
    return success('注册成功');
  };

  /** `@jwt_required(refresh=True)`: only a new access token; the refresh token is not rotated (as upstream). */
  const refresh: Endpoint['handle'] = ({ user }) => success('刷新令牌成功', { access_token: tokens.sign(user.uuid, 'access') });

  return [...routes('/api/auth'), ...routes('/auth')];
}
