import type { Context } from 'hono';
import { asUser, isCoreError, type Core, type User } from '../../../src/core/index.ts';
import { stampOf } from '../../../src/core/ports.ts';
import { clientIp } from '../../../src/http/client-ip.ts';
import { mediaType, readJsonBody } from '../../../src/http/body.ts';
import { reqHeader } from '../../../src/http/headers.ts';
import { gateway, languageOf, openapi, type Reply } from '../envelope.ts';
import { settle, type Awaitable } from '../../../src/http/settle.ts';
import type { Tokens } from '../tokens.ts';

const SUPERUSER_NAME = 'admin';

/**
 * gin's ShouldBind into a struct of required strings: a JSON content type, a JSON object, keys matched
 * case-insensitively (the last match wins), string values, none empty. Anything else is a binding failure.
 */
async function bind<K extends string>(c: Context, fields: readonly K[]): Promise<Record<K, string> | null> {
  if (mediaType(c) !== 'application/json') return null;
  const parsed = await readJsonBody(c);
  if (parsed.kind !== 'json' || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) return null;
  const out: Partial<Record<K, unknown>> = {};
  for (const [key, value] of Object.entries(parsed.value)) {
    const field = fields.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field) out[field] = value;
  }
  return fields.every((f) => typeof out[f] === 'string' && out[f] !== '') ? (out as Record<K, string>) : null;
}

export function authRoutes(core: Core, tokens: Tokens) {
  const now = () => stampOf(core.clock);
  const lang = (c: Context) => languageOf(reqHeader(c, 'accept-language'));

  /** result {access_token, expire, refresh_token}; the refresh token carries the jti its session expects next. */
  function pair(user: User, sid: string, refreshJti: string) {
    const access = tokens.sign('access', user, sid);
    const refresh = tokens.signWithJti('refresh', user, sid, refreshJti);
    return { access_token: access.token, expire: access.claims.exp, refresh_token: refresh.token };
  }

  /** The access-token check of x-token routes: the query parameter wins over the header; every failure is 10006. */
  function principal(c: Context): Awaitable<{ user: User; sessionId: string } | null> {
    const fromQuery = c.req.queries('x-token');
    const token = fromQuery !== undefined ? (fromQuery[0] ?? '') : reqHeader(c, 'x-token');
    if (!token) return null;
    const checked = tokens.check(token, 'access');
    if (!checked.ok) return null;
    const { ID: userId, sid: sessionId, jti } = checked.claims;
    return settle(
      () => core.sessions.checkAccess({ userId, sessionId, jti }),
      (user) => ({ user, sessionId }),
      (e) => {
        if (isCoreError(e)) return null;
        throw e;
      },
    );
  }

  return {
    principal,

    /** POST /v1.0/openapi/auth/login: 1104 for any binding failure, 20101 (no msg) for any refusal. */
    async login(c: Context): Promise<Reply> {
      const body = await bind(c, ['username', 'password'] as const);
      if (!body) return openapi(1104, now());
      try {
        const user = await core.auth.authenticate(body.username, body.password, { ip: clientIp(c) });
        const session = await core.sessions.start(user.id, 'openapi', 14 * 86_400_000);
        return openapi(0, now(), pair(user, session.sessionId, session.refreshJti));
      } catch (e) {
        if (isCoreError(e)) return openapi(20101, now());
        throw e;
      }
    },

    /** POST /v1.0/openapi/token/:refreshToken: a new pair; the presented token is spent (reuse after the grace kills the family). */
    async refresh(c: Context): Promise<Reply> {
      const checked = tokens.check(c.req.param('refreshToken') ?? '', 'refresh');
      if (!checked.ok) return openapi(checked.failure === 'expired' ? 1010 : 1011, now());
      try {
        const rotated = await core.sessions.rotate(checked.claims.sid, checked.claims.jti, 14 * 86_400_000);
        return openapi(0, now(), pair(rotated.user, checked.claims.sid, rotated.refreshJti));
      } catch (e) {
        if (isCoreError(e)) return openapi(e.kind === 'token_expired' ? 1010 : 1011, now());
        throw e;
      }
    },

    /** GET /api/v1/auth/initInfo: has the gateway been initialised (a persisted fact, never a username)? */
    async initInfo(c: Context): Promise<Reply> {
      return gateway(0, lang(c), { isInit: await core.users.initialised() });
    },

    /** POST /api/v1/auth/init-password: once; afterwards "already initialised" whatever users exist. */
    async initPassword(c: Context): Promise<Reply> {
      const body = await bind(c, ['newPassword'] as const);
      if (!body) return gateway(10003, lang(c));
      if (await core.users.initialised()) return gateway(20102, lang(c));
      try {
        await core.users.initialise(SUPERUSER_NAME, body.newPassword);
      } catch (e) {
        if (isCoreError(e)) return gateway(isCoreError(e, 'conflict') ? 20102 : 10003, lang(c));
        throw e;
      }
      return gateway(0, lang(c));
    },

    /** POST /api/v1/auth/login: the UI's token (3 days), valid on every x-token route. */
    async uiLogin(c: Context): Promise<Reply> {
      const body = await bind(c, ['username', 'password'] as const);
      if (!body) return gateway(10003, lang(c));
      try {
        const user = await core.auth.authenticate(body.username, body.password, { ip: clientIp(c) });
        const session = await core.sessions.start(user.id, 'openapi-ui', 3 * 86_400_000);
        const { token, claims } = tokens.sign('ui', user, session.sessionId);
        return gateway(0, lang(c), { user: { username: user.username, lang: 'en' }, token, expiresAt: claims.exp * 1000 });
      } catch (e) {
        if (isCoreError(e)) return gateway(20101, lang(c));
        throw e;
      }
    },

    /** PUT /api/v1/auth/password (x-token): the current password must match; other sessions end. */
    async changePassword(c: Context, user: User, sessionId: string): Promise<Reply> {
      const body = await bind(c, ['currentPassword', 'newPassword'] as const);
      if (!body) return gateway(10003, lang(c));
      try {
        await core.users.changePassword(user.id, body.currentPassword, body.newPassword, asUser(user), sessionId);
      } catch (e) {
        if (isCoreError(e)) return gateway(10001, lang(c));
        throw e;
      }
      return gateway(0, lang(c));
    },
  };
}
