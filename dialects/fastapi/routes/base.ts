import type * as v from 'valibot';
import type { User } from '../../../src/core/index.ts';
import { stampOf } from '../../../src/core/ports.ts';
import type { AppConfig } from '../../../src/config.ts';
import type { RateLimiter } from '../../../src/http/rate-limit.ts';
import { clientIp } from '../../../src/http/client-ip.ts';
import { pythonIsoUtc } from '../../../src/http/datetime.ts';
import { expiryDetails, noteUser } from '../../../src/http/decisions.ts';
import { deny, requestOf } from '../../../src/http/pipeline.ts';
import { json, raw, success } from '../envelope.ts';
import { renderOnce } from '../../../src/http/body.ts';
import { LOGIN_ERRORS, REFRESH_ERRORS, REFRESH_FAILED } from '../errors.ts';
import type { Deps, Endpoint } from '../stages.ts';
import { Credentials, RefreshRequest } from '../schemas.ts';
import { ACCESS_TTL_S, REFRESH_TTL_S } from '../tokens.ts';
import { userDict } from '../views.ts';

const AUDIENCE = 'fastapi';

export interface BaseLimits {
  login?: RateLimiter;
  refresh?: RateLimiter;
}

export function baseEndpoints(deps: Deps, config: AppConfig, limits: BaseLimits): Endpoint<any, any>[] {
  const { core, tokens } = deps;
  const prefix = '/api/v1/base';

  const accessToken: Endpoint<unknown, v.InferOutput<typeof Credentials>> = {
    method: 'POST',
    path: `${prefix}/access_token`,
    body: Credentials,
    ...(limits.login && { rateLimit: { limiter: limits.login, text: '5 per 1 minute' } }),
    errors: LOGIN_ERRORS,
    async handle({ c, body }) {
      noteUser(requestOf(c), body.username);
      const user = await core.auth.authenticate(body.username, body.password, { ip: clientIp(c) });
      noteUser(requestOf(c), user.username);
      const session = await core.sessions.start(user.id, AUDIENCE, REFRESH_TTL_S * 1000);
      return success({
        access_token: tokens.sign(user, 'access', session.sessionId),
        refresh_token: tokens.sign(user, 'refresh', session.sessionId, session.refreshJti),
        username: user.username,
        token_type: 'bearer',
        expires_in: ACCESS_TTL_S,
      });
    },
  };

  const refreshToken: Endpoint<unknown, v.InferOutput<typeof RefreshRequest>> = {
    method: 'POST',
    path: `${prefix}/refresh_token`,
    body: RefreshRequest,
    ...(limits.refresh && { rateLimit: { limiter: limits.refresh, text: '10 per 1 minute' } }),
    errors: REFRESH_ERRORS,
    async handle({ c, body }) {
      const token = body.refresh_token;
      const verified = tokens.verify(token);
      if (!verified.ok) {
        return verified.failure === 'expired'
          ? deny(REFRESH_FAILED, 'token_expired', expiryDetails(core.clock, token))
          : deny(REFRESH_FAILED, 'token_invalid', { reason: verified.failure === 'invalid' ? 'malformed' : 'claims' });
      }
      const { claims } = verified;
      if (claims.token_type !== 'refresh' || claims.jti === undefined) return deny(REFRESH_FAILED, 'token_invalid', { reason: 'token_type' });
      noteUser(requestOf(c), claims.username);
      const rotated = await core.sessions.rotate(claims.sid, claims.jti, REFRESH_TTL_S * 1000);
      return success({
        access_token: tokens.sign(rotated.user, 'access', claims.sid),
        refresh_token: tokens.sign(rotated.user, 'refresh', claims.sid, rotated.refreshJti),
        token_type: 'bearer',
        expires_in: ACCESS_TTL_S,
      });
    },
  };

  const renderUserinfo = renderOnce((user: User) => JSON.stringify({ code: 200, msg: 'OK', data: userDict(user, config.timeZone) }));
  const userinfo: Endpoint = {
    method: 'GET',
    path: `${prefix}/userinfo`,
    guard: 'bearer',
    handle: ({ user }) => raw(200, renderUserinfo(user)),
  };

  const health: Endpoint = {
    method: 'GET',
    path: `${prefix}/health`,
    async handle() {
      const up = await core.storeReachable();
      return json(200, {
        status: up ? 'healthy' : 'degraded',
        timestamp: pythonIsoUtc(stampOf(core.clock)),
        version: config.fastapi.version,
        environment: config.fastapi.environment,
        service: config.fastapi.projectName,
        database: up ? 'connected' : 'disconnected',
      });
    },
  };

  const version: Endpoint = {
    method: 'GET',
    path: `${prefix}/version`,
    handle: () =>
      json(200, {
        version: config.fastapi.version,
        app_title: config.fastapi.appTitle,
        project_name: config.fastapi.projectName,
        build: config.fastapi.build,
        commit: config.fastapi.commit,
        python_version: config.fastapi.pythonVersion,
      }),
  };

  return [accessToken, refreshToken, userinfo, health, version];
}
