import type { Context } from 'hono';
import { ANONYMOUS, isCoreError, type Core, type User } from '../../../src/core/index.ts';
import { formatWallClock } from '../../../src/http/datetime.ts';
import { reqHeader } from '../../../src/http/headers.ts';
import { isJsonMediaType, mediaType } from '../../../src/http/body.ts';
import { clientIp } from '../../../src/http/client-ip.ts';
import { pyJsonLoadsTopLevel, PyRecursionError, type PyValue } from '../../../src/http/python/json.ts';
import { isPyDict, pyTruthy } from '../../../src/http/python/values.ts';
import { failure, jwtError, PAGES, success, type Reply } from '../envelope.ts';
import { REFRESH_TTL_S, tokenFromHeader, type Refusal, type Tokens } from '../tokens.ts';

/** Attributes of the legacy SQLAlchemy `User` model: `User(**data)` raised TypeError on any other key. */
const USER_ATTRIBUTES = new Set([
  'user_id', 'username', 'password', 'email', 'phone', 'faceInfo', 'status', 'last_login', 'created_at', 'updated_at',
  'name', 'gender', 'department', 'work_years', 'contact_info',
]);
const EMPTY_CREDENTIALS = '用户名密码不能为空';
const REGISTERED_ROLE = 'USER';


/** `request.get_json()`: 415 for a non-JSON content type, 400 for a body CPython's json refuses. */
async function getJson(c: Context): Promise<{ ok: true; value: PyValue } | { ok: false; reply: Reply }> {
  if (!isJsonMediaType(mediaType(c))) return { ok: false, reply: PAGES.unsupportedMediaType() };
  try {
    const parsed = await pyJsonLoadsTopLevel(new Uint8Array(await c.req.arrayBuffer()));
    return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, reply: PAGES.badRequest() };
  } catch (e) {
    if (e instanceof PyRecursionError) return { ok: false, reply: PAGES.internalError() };
    throw e;
  }
}

interface Credentials {
  username: PyValue;
  password: string;
  data: Record<string, PyValue>;
}

/**
 * The legacy view's first steps, in order: an empty value or empty username/password is a business failure;
 * a truthy non-object, a key the model does not have, or a non-string password crashed the legacy server (500).
 */
function credentials(data: PyValue): { ok: true; value: Credentials } | { ok: false; reply: Reply } {
  if (!pyTruthy(data)) return { ok: false, reply: failure(EMPTY_CREDENTIALS) };
  if (!isPyDict(data)) return { ok: false, reply: PAGES.internalError() };
  if (!pyTruthy(data.username) || !pyTruthy(data.password)) return { ok: false, reply: failure(EMPTY_CREDENTIALS) };
  if (Object.keys(data).some((k) => !USER_ATTRIBUTES.has(k)) || typeof data.password !== 'string') {
    return { ok: false, reply: PAGES.internalError() };
  }
  return { ok: true, value: { username: data.username!, password: data.password, data } };
}

export function refusalReply(r: Refusal): Reply {
  return 'crash' in r ? PAGES.internalError() : jwtError(r.status, r.msg);
}

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

  async function login(c: Context): Promise<Reply> {
    const body = await getJson(c);
    if (!body.ok) return body.reply;
    const creds = credentials(body.value);
    if (!creds.ok) return creds.reply;
    const { username, password } = creds.value;
    if (typeof username !== 'string') return typeof username === 'object' ? PAGES.internalError() : failure('登录失败');
    try {
      const user = await core.auth.authenticate(username, password, { ip: clientIp(c) });
      const access = tokens.sign(user.uuid, 'access');
      // Flask does not rotate refresh tokens: the refresh token's jti names the session, drawn where it always was.
      const jti = core.random.uuid();
      await core.sessions.start(user.id, 'flask', REFRESH_TTL_S * 1000, { sessionId: jti, refreshJti: jti });
      const body = await payload(user);
      return success('登录成功', { access_token: access, payload: body, refresh_token: tokens.sign(user.uuid, 'refresh', jti) });
    } catch (e) {
      if (!isCoreError(e)) throw e;
      if (e.kind === 'user_disabled') return failure('账号被禁用');
      if (e.kind === 'account_locked') return failure('账号已被锁定，请稍后再试');
      return failure('登录失败');
    }
  }

  async function register(c: Context): Promise<Reply> {
    const body = await getJson(c);
    if (!body.ok) return body.reply;
    const creds = credentials(body.value);
    if (!creds.ok) return creds.reply;
    const { username, password, data } = creds.value;
    const email = pyTruthy(data.email) ? data.email : null;
    if (typeof username !== 'string' || (email !== null && typeof email !== 'string')) return PAGES.internalError();
    if (await core.users.byUsername(username)) return failure('用户名已存在');
    if (email !== null && (await core.users.byEmail(email))) return failure('邮箱已经存在');
    const role = await core.directory.roleByName(REGISTERED_ROLE);
    try {
      await core.users.create({ username, email, password, roleIds: role ? [role.id] : [] }, ANONYMOUS);
      return success('注册成功');
    } catch (e) {
      if (!isCoreError(e)) throw e;
      if (e.kind === 'conflict') return failure(e.details.field === 'email' ? '邮箱已经存在' : '用户名已存在');
      return failure('密码不符合要求');
    }
  }

  /** `@jwt_required(refresh=True)`: only a new access token; the refresh token is not rotated (as upstream). */
  async function refresh(c: Context): Promise<Reply> {
    const header = tokenFromHeader(reqHeader(c, 'authorization'));
    if (!header.ok) return refusalReply(header.refusal);
    const decoded = tokens.decode(header.token, true);
    if (!decoded.ok) return refusalReply(decoded.refusal);
    const { sub, jti } = decoded.claims as { sub: string; jti?: string };
    try {
      // The refresh token's session: a disable, delete, password change or reset ends it at once (a security fix).
      const user = await core.sessions.checkAccess({ userUuid: sub, sessionId: jti ?? '' });
      return success('刷新令牌成功', { access_token: tokens.sign(user.uuid, 'access') });
    } catch (e) {
      if (isCoreError(e)) return jwtError(401, 'Token has been revoked');
      throw e;
    }
  }

  return { login, register, refresh };
}
