import type * as v from 'valibot';
import { clientIp } from '../../../src/http/client-ip.ts';
import { noteUser } from '../../../src/http/decisions.ts';
import { deny, requestOf } from '../../../src/http/pipeline.ts';
import { fail, iso, ok } from '../envelope.ts';
import type { Deps } from '../principal.ts';
import type { Endpoint } from '../stages.ts';
import { Login, Refresh } from '../schemas.ts';
import { DAY_S, REMEMBER_S } from '../tokens.ts';
import type { Views } from '../views.ts';

const BASE = '/api/v1/auth';

export function sessionEndpoints({ core, tokens }: Deps, views: Views): Endpoint[] {
  const login: Endpoint<unknown, v.InferOutput<typeof Login>> = {
    method: 'POST',
    path: `${BASE}/login`,
    auth: false,
    body: Login,
    async handle({ c, body }) {
      noteUser(requestOf(c), body.username);
      const user = await core.auth.authenticate(body.username, body.password, { ip: clientIp(c) });
      noteUser(requestOf(c), user.username);
      const session = await core.sessions.start(user.id, 'v1auth', (body.remember_me ? REMEMBER_S : DAY_S) * 1000);
      const { token, claims } = tokens.sign(user.id, session.sessionId, body.remember_me);
      return ok('登录成功', { token, expires_at: iso(claims.exp * 1000), user_info: await views.userInfo(user) });
    },
  };

  /** The body's token must be the header's; the old token is revoked, the login's lifetime kept. */
  const refresh: Endpoint<unknown, v.InferOutput<typeof Refresh>> = {
    method: 'POST',
    path: `${BASE}/refresh`,
    body: Refresh,
    async handle({ principal, body }) {
      if (!principal.claims) return fail(400, 'API密钥无法刷新');
      if (body.token !== principal.token) return deny(fail(400, 'Token不一致'), 'token_invalid', { reason: 'not_the_bearer_token' });
      const old = principal.claims;
      await core.sessions.denyJti(old.jti, old.exp * 1000);
      const { token, claims } = tokens.sign(principal.user.id, old.sid, old.rem);
      await core.sessions.extend(old.sid, claims.exp * 1000);
      return ok('Token刷新成功', { token, expires_at: iso(claims.exp * 1000) });
    },
  };

  /** Ends the login session: this token and any refreshed from it. */
  const logout: Endpoint = {
    method: 'POST',
    path: `${BASE}/logout`,
    async handle({ principal }) {
      if (!principal.claims) return fail(400, 'API密钥无需登出');
      await core.sessions.revokeSession(principal.claims.sid, 'logout');
      await core.sessions.denyJti(principal.claims.jti, principal.claims.exp * 1000);
      return ok('登出成功');
    },
  };

  return [login, refresh, logout];
}
