import { asUser, type Core, type User } from '../../../src/core/index.ts';
import { clientIp } from '../../../src/http/client-ip.ts';
import { expiryDetails, noteUser } from '../../../src/http/decisions.ts';
import { deny, requestOf } from '../../../src/http/pipeline.ts';
import { gateway, openapi } from '../envelope.ts';
import { langOf, type errorTables } from '../errors.ts';
import type { Endpoint } from '../stages.ts';
import type { Tokens } from '../tokens.ts';

const SUPERUSER_NAME = 'admin';
const OPENAPI = '/v1.0/openapi';
const UI = '/api/v1/auth';

export function authEndpoints(core: Core, tokens: Tokens, now: () => number, errors: ReturnType<typeof errorTables>): Endpoint[] {
  /** result {access_token, expire, refresh_token}; the refresh token carries the jti its session expects next. */
  function pair(user: User, sid: string, refreshJti: string) {
    const access = tokens.sign('access', user, sid);
    const refresh = tokens.signWithJti('refresh', user, sid, refreshJti);
    return { access_token: access.token, expire: access.claims.exp, refresh_token: refresh.token };
  }

  const endpoint = <const K extends string>(ep: Endpoint<K>) => ep;
  return [
    /** 1104 for any binding failure, 20101 (no msg) for any refusal. */
    endpoint({
      method: 'POST',
      path: `${OPENAPI}/auth/login`,
      envelope: 'openapi',
      bind: ['username', 'password'],
      errors: errors.LOGIN,
      async handle({ c, body }) {
        noteUser(requestOf(c), body.username);
        const user = await core.auth.authenticate(body.username, body.password, { ip: clientIp(c) });
        noteUser(requestOf(c), user.username);
        const session = await core.sessions.start(user.id, 'openapi', 14 * 86_400_000);
        return openapi(0, now(), pair(user, session.sessionId, session.refreshJti));
      },
    }),

    /** A new pair; the presented token is spent (reuse after the grace kills the family). */
    endpoint({
      method: 'POST',
      path: `${OPENAPI}/token/:refreshToken`,
      envelope: 'openapi',
      errors: errors.REFRESH,
      async handle({ c }) {
        const token = c.req.param('refreshToken') ?? '';
        const checked = tokens.check(token, 'refresh');
        if (!checked.ok) {
          return checked.failure === 'expired'
            ? deny(openapi(1010, now()), 'token_expired', expiryDetails(core.clock, token))
            : deny(openapi(1011, now()), 'token_invalid', { reason: 'malformed' });
        }
        noteUser(requestOf(c), checked.claims.Username);
        const rotated = await core.sessions.rotate(checked.claims.sid, checked.claims.jti, 14 * 86_400_000);
        return openapi(0, now(), pair(rotated.user, checked.claims.sid, rotated.refreshJti));
      },
    }),

    /** Has the gateway been initialised (a persisted fact, never a username)? */
    endpoint({
      method: 'GET',
      path: `${UI}/initInfo`,
      envelope: 'gateway',
      handle: async ({ c }) => gateway(0, langOf(c), { isInit: await core.users.initialised() }),
    }),

    /** Once; afterwards "already initialised" whatever users exist. */
    endpoint({
      method: 'POST',
      path: `${UI}/init-password`,
      envelope: 'gateway',
      bind: ['newPassword'],
      errors: errors.INIT_PASSWORD,
      async handle({ c, body }) {
        if (await core.users.initialised()) return deny(gateway(20102, langOf(c)), 'conflict', { reason: 'initialised' });
        await core.users.initialise(SUPERUSER_NAME, body.newPassword);
        return gateway(0, langOf(c));
      },
    }),

    /** The UI's token (3 days), valid on every x-token route. */
    endpoint({
      method: 'POST',
      path: `${UI}/login`,
      envelope: 'gateway',
      bind: ['username', 'password'],
      errors: errors.UI_LOGIN,
      async handle({ c, body }) {
        noteUser(requestOf(c), body.username);
        const user = await core.auth.authenticate(body.username, body.password, { ip: clientIp(c) });
        noteUser(requestOf(c), user.username);
        const session = await core.sessions.start(user.id, 'openapi-ui', 3 * 86_400_000);
        const { token, claims } = tokens.sign('ui', user, session.sessionId);
        return gateway(0, langOf(c), { user: { username: user.username, lang: 'en' }, token, expiresAt: claims.exp * 1000 });
      },
    }),

    /** x-token: the current password must match; other sessions end. */
    endpoint({
      method: 'PUT',
      path: `${UI}/password`,
      envelope: 'gateway',
      xToken: true,
      bind: ['currentPassword', 'newPassword'],
      errors: errors.CHANGE_PASSWORD,
      async handle({ c, user, sessionId, body }) {
        await core.users.changePassword(user.id, body.currentPassword, body.newPassword, asUser(user), sessionId);
        return gateway(0, langOf(c));
      },
    }),
  ];
}
