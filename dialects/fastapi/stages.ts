// FastAPI's request order as data: a body that is not valid JSON fails first (422); then the dependencies (bearer
// auth 401, RBAC 403); then query and body validation (422); then the endpoint, where slowapi counts the hit. Each
// stage but the body's needs no I/O on a cache hit, so bodiless requests stay synchronous end to end.
import type { Context, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { grantMatches, type ApiGrant, type Core, type User } from '../../src/core/index.ts';
import { isJsonMediaType, mediaType, readJsonBody } from '../../src/http/body.ts';
import { clientIp } from '../../src/http/client-ip.ts';
import { expiryDetails, noteUser } from '../../src/http/decisions.ts';
import { reqHeader } from '../../src/http/headers.ts';
import { deny, requestOf, endpointsFrom, schemaStage, type Endpoint as PipelineEndpoint, type ErrorTable, type Reply, type Stage, type StageOrder } from '../../src/http/pipeline.ts';
import type { RateLimiter } from '../../src/http/rate-limit.ts';
import { rethrow, settle, type Awaitable } from '../../src/http/settle.ts';
import { fail, rateLimited, validationFailed } from './envelope.ts';
import { AUTH_ERRORS, authError, RBAC_NO_ROLE, rbacDenied } from './errors.ts';
import { bearerToken, type Tokens } from './tokens.ts';

type Schema<T> = v.GenericSchema<unknown, T>;

export interface RouteInput<Q = unknown, B = unknown> {
  c: Context;
  user: User;
  query: Q;
  /** The JSON value until the body stage validates it, then the model. */
  body: B;
}

/** One legacy endpoint, declared; `endpointsOf` gives it the stages it needs, in FastAPI's order. */
export interface Endpoint<Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** 'bearer': a valid access token; 'rbac': that, plus a role granting (method, path). */
  guard?: 'bearer' | 'rbac';
  query?: Schema<Q>;
  body?: Schema<B>;
  rateLimit?: { limiter: RateLimiter; text: string };
  /** This operation's answers to core errors raised by `handle` (the legacy handler's own table). */
  errors?: ErrorTable;
  handle(input: RouteInput<Q, B>): Awaitable<Reply>;
}

export interface Deps {
  core: Core;
  tokens: Tokens;
}

type In = RouteInput<any, any>;
type Decl = Endpoint<any, any>;

/** A body that is not JSON (by content type or by parse) fails before anything else. */
const jsonBody = (ep: Decl): Stage<In> | undefined =>
  ep.body && {
    name: 'json body',
    run(input) {
      const media = mediaType(input.c);
      const json = media === '' || isJsonMediaType(media);
      return readJsonBody(input.c).then((parsed) => {
        if (parsed.kind === 'malformed' && json) return validationFailed();
        // A non-JSON content type hands pydantic raw bytes, which no model accepts.
        input.body = parsed.kind === 'json' && json ? parsed.value : Symbol('bytes');
        return undefined;
      });
    },
  };

/** HTTPBearer and the session check; then, for 'rbac', a role granting the method and path (a superuser needs none). */
const bearer =
  ({ core, tokens }: Deps) =>
  (ep: Decl): Stage<In> | undefined =>
    ep.guard && {
      name: 'bearer',
      errors: AUTH_ERRORS,
      run(input) {
        const { c } = input;
        const token = bearerToken(reqHeader(c, 'authorization'));
        if (token === null) return deny(authError('other'), 'token_invalid', { reason: 'missing' });
        const verified = tokens.verify(token);
        if (!verified.ok) {
          return verified.failure === 'expired'
            ? deny(authError('expired'), 'token_expired', expiryDetails(core.clock, token))
            : deny(authError(verified.failure), 'token_invalid', { reason: verified.failure === 'invalid' ? 'malformed' : 'claims' });
        }
        // A refresh token is no access token (a security fix over upstream).
        if (verified.claims.token_type !== 'access') return deny(authError('other'), 'token_invalid', { reason: 'token_type' });
        const { user_id: userId, sid: sessionId } = verified.claims;
        return settle(
          () => core.sessions.checkAccess({ userId, sessionId }),
          (user) => {
            input.user = user;
            noteUser(requestOf(c), user.username);
            if (ep.guard !== 'rbac' || user.isSuperuser) return undefined;
            return settle(() => core.directory.apiGrants(user.id), (grants) => rbac(c, grants), rethrow);
          },
          rethrow,
        );
      },
    };

function rbac(c: Context, grants: ApiGrant[]): Reply | undefined {
  if (grants.length === 0) return deny(fail(403, RBAC_NO_ROLE), 'forbidden', { reason: 'no_role' });
  const { method, path } = c.req;
  if (!grants.some((g) => grantMatches(g, method, path))) return deny(fail(403, rbacDenied(method, path)), 'forbidden', { reason: 'permission', missing: `${method} ${path}` });
  return undefined;
}

const query = (ep: Decl): Stage<In> | undefined =>
  schemaStage('query', ep.query, {
    // Starlette keeps the last value of a repeated parameter.
    read: (input) => Object.fromEntries(Object.entries(input.c.req.queries()).map(([k, vs]) => [k, vs.at(-1)])),
    keep: (input, value) => void (input.query = value),
    refuse: validationFailed,
  });

const body = (ep: Decl): Stage<In> | undefined =>
  schemaStage('body', ep.body, { read: (input) => input.body, keep: (input, value) => void (input.body = value), refuse: validationFailed });

const rateLimit = (ep: Decl): Stage<In> | undefined => {
  const limit = ep.rateLimit;
  return limit && { name: 'rate limit', run: (input) => (limit.limiter.hit(clientIp(input.c)) ? undefined : rateLimited(limit.text)) };
};

/** FastAPI's order (see the top of this file). */
export const order = (deps: Deps): StageOrder<Decl, In> => [jsonBody, bearer(deps), query, body, rateLimit];

/** The declarations as pipeline endpoints; routes that take a body pay for its limit, the others do not. */
export const endpointsOf = (deps: Deps, limitBody: MiddlewareHandler, declared: Decl[]): PipelineEndpoint<In>[] => endpointsFrom(order(deps), limitBody, declared);
