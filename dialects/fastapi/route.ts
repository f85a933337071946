import type { Context, Hono, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { grantMatches, isCoreError, type ApiGrant, type Core, type CoreError, type User } from '../../src/core/index.ts';
import { settle } from '../../src/http/settle.ts';
import { isJsonMediaType, mediaType, readJsonBody } from '../../src/http/body.ts';
import { clientIp } from '../../src/http/client-ip.ts';
import type { RateLimiter } from '../../src/http/rate-limit.ts';
import { authError, RBAC_NO_ROLE, rbacDenied } from './errors.ts';
import { fail, rateLimited, validationFailed, type Reply } from './envelope.ts';
import { reqHeader } from '../../src/http/headers.ts';
import { bearerToken, type Tokens } from './tokens.ts';

type Schema<T> = v.GenericSchema<unknown, T>;

export interface RouteInput<Q, B> {
  c: Context;
  user: User;
  query: Q;
  body: B;
}

/** One legacy endpoint, declared; `mount` runs it through FastAPI's request pipeline. */
export interface Endpoint<Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** 'bearer': a valid access token; 'rbac': that, plus a role granting (method, path). */
  guard?: 'bearer' | 'rbac';
  query?: Schema<Q>;
  body?: Schema<B>;
  rateLimit?: { limiter: RateLimiter; text: string };
  /** Maps a core error raised by `handle` to this operation's answer. */
  onError?: (e: CoreError) => Reply;
  handle(input: RouteInput<Q, B>): Reply | Promise<Reply>;
}

export interface PipelineDeps {
  core: Core;
  tokens: Tokens;
  /** Turns an answer into the Response with this app's transport headers. */
  respond(c: Context, reply: Reply): Response;
  /** Refuses oversized bodies; mounted only on routes that take one. */
  limitBody: MiddlewareHandler;
}


/**
 * FastAPI's order: a body that is not valid JSON fails first (422); then the dependencies (bearer auth 401,
 * RBAC 403); then query and body validation (422); then the endpoint (where slowapi counts the hit).
 * Bodiless requests stay synchronous end to end, which lets the node server answer without a promise.
 */
function run(deps: PipelineDeps, ep: Endpoint, c: Context): Reply | Promise<Reply> {
  if (!ep.body) return afterBody(deps, ep, c, undefined);
  const media = mediaType(c);
  return readJsonBody(c).then((parsed) => {
    if (parsed.kind === 'malformed' && (media === '' || isJsonMediaType(media))) return validationFailed();
    // A non-JSON content type hands pydantic raw bytes, which no model accepts.
    const raw = parsed.kind === 'json' && (media === '' || isJsonMediaType(media)) ? parsed.value : Symbol('bytes');
    return afterBody(deps, ep, c, raw);
  });
}

function afterBody(deps: PipelineDeps, ep: Endpoint, c: Context, rawBody: unknown): Reply | Promise<Reply> {
  if (!ep.guard) return afterAuth(deps, ep, c, rawBody, null);
  const token = bearerToken(reqHeader(c, 'authorization'));
  if (token === null) return authError('other');
  const verified = deps.tokens.verify(token);
  if (!verified.ok) return authError(verified.failure);
  // A refresh token is no access token (a security fix over upstream).
  if (verified.claims.token_type !== 'access') return authError('other');
  const { user_id: userId, sid: sessionId } = verified.claims;
  return settle(
    () => deps.core.sessions.checkAccess({ userId, sessionId }),
    (user) => (ep.guard === 'rbac' && !user.isSuperuser ? settle(() => deps.core.directory.apiGrants(user.id), (grants) => rbac(grants, user), rethrow) : afterAuth(deps, ep, c, rawBody, user)),
    (e) => {
      if (isCoreError(e)) return authError('other');
      throw e;
    },
  );

  function rbac(grants: ApiGrant[], user: User): Reply | Promise<Reply> {
    if (grants.length === 0) return fail(403, RBAC_NO_ROLE);
    if (!grants.some((g) => grantMatches(g, c.req.method, c.req.path))) return fail(403, rbacDenied(c.req.method, c.req.path));
    return afterAuth(deps, ep, c, rawBody, user);
  }
}

const rethrow = (e: unknown): never => {
  throw e;
};

/** Query and body validation, the rate limit, then the endpoint. */
function afterAuth(deps: PipelineDeps, ep: Endpoint, c: Context, rawBody: unknown, user: User | null): Reply | Promise<Reply> {

  let query: unknown;
  if (ep.query) {
    // Starlette keeps the last value of a repeated parameter.
    const last = Object.fromEntries(Object.entries(c.req.queries()).map(([k, vs]) => [k, vs.at(-1)]));
    const q = v.safeParse(ep.query, last);
    if (!q.success) return validationFailed();
    query = q.output;
  }
  let body: unknown;
  if (ep.body) {
    const b = v.safeParse(ep.body, rawBody);
    if (!b.success) return validationFailed();
    body = b.output;
  }

  if (ep.rateLimit && !ep.rateLimit.limiter.hit(clientIp(c))) return rateLimited(ep.rateLimit.text);

  const onError = (e: unknown): Reply => {
    if (isCoreError(e) && ep.onError) return ep.onError(e);
    throw e;
  };
  try {
    const out = ep.handle({ c, user: user!, query, body });
    return out instanceof Promise ? out.catch(onError) : out;
  } catch (e) {
    return onError(e);
  }
}

/**
 * Registers the endpoints; returns the methods served per path, for the 405 answers. (A catch-all route per
 * path would match every request alongside its endpoint and make each answer asynchronous.)
 */
export function mount(app: Hono, deps: PipelineDeps, endpoints: Endpoint<any, any>[]): Map<string, string[]> {
  const methodsByPath = new Map<string, string[]>();
  for (const ep of endpoints) {
    const handler = (c: Context) => {
      const out = run(deps, ep, c);
      return out instanceof Promise ? out.then((r) => deps.respond(c, r)) : deps.respond(c, out);
    };
    if (ep.body) app.on(ep.method, ep.path, deps.limitBody, handler);
    else app.on(ep.method, ep.path, handler);
    methodsByPath.set(ep.path, [...(methodsByPath.get(ep.path) ?? []), ep.method]);
  }
  return methodsByPath;
}
