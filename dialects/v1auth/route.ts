import type { Context, Hono, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { asUser, isCoreError, type Actor, type ApiKey, type Core, type User } from '../../src/core/index.ts';
import { stampOf } from '../../src/core/ports.ts';
import { readJsonBody } from '../../src/http/body.ts';
import { clientIp } from '../../src/http/client-ip.ts';
import { reqHeader } from '../../src/http/headers.ts';
import { settle, andThen, type Awaitable } from '../../src/http/settle.ts';
import { fail, invalid, type Reply } from './envelope.ts';
import { coreErrorReply } from './errors.ts';
import { fieldErrors } from './schemas.ts';
import type { Tokens, V1Claims } from './tokens.ts';

/** Who is asking: a user through a token, or through one of its API keys (with the key's narrower rights). */
export interface Principal {
  user: User;
  /** The bearer token and its claims, when the credential was a token. */
  token?: string;
  claims?: V1Claims;
  key?: ApiKey;
  permissions: Set<string>;
  isAdmin: boolean;
}

/** The principal as the core sees it: a request made with an API key carries that fact into every write. */
export const actorOf = (p: Principal): Actor => (p.key ? asUser(p.user, true, p.permissions) : asUser(p.user));

export interface Input<Q, B> {
  c: Context;
  principal: Principal;
  params: Record<string, string>;
  query: Q;
  body: B;
}

type Schema<T> = v.GenericSchema<unknown, T>;

export interface Endpoint<Q = any, B = any> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Anonymous routes (login) set false. */
  auth?: boolean;
  query?: Schema<Q>;
  body?: Schema<B>;
  handle(input: Input<Q, B>): Reply | Promise<Reply>;
}

export interface Deps {
  core: Core;
  tokens: Tokens;
}

/** The user's permission names (synchronous on a cache hit); a superuser and a holder of `admin` may do everything. */
function userPermissions(core: Core, user: User): Awaitable<Set<string>> {
  return andThen(core.directory.permissionsOf(user.id), (ps) => new Set(ps.map((p) => p.name)));
}

/** `Authorization: Bearer <jwt|ak_…>` or `X-API-Key: ak_…`; a failure is this dialect's 401. Synchronous on a cache hit. */
function authenticate({ core, tokens }: Deps, c: Context): Awaitable<Principal | Reply> {
  const authorization = reqHeader(c, 'authorization');
  const headerKey = reqHeader(c, 'x-api-key');
  let credential: string | undefined;
  if (authorization !== undefined && authorization.trim() !== '') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
    if (!m) return fail(401, 'Token无效');
    credential = m[1]!;
  } else if (headerKey !== undefined && headerKey.trim() !== '') credential = headerKey.trim();
  else return fail(401, '未提供认证信息');

  const refused = (e: unknown): Reply => {
    if (isCoreError(e)) return coreErrorReply(e);
    throw e;
  };
  if (credential.startsWith('ak_')) {
    const key = credential;
    return settle<{ key: ApiKey; owner: User }, Principal | Reply>(
      () => core.apiKeys.authenticate(key),
      ({ key, owner }) =>
        andThen(userPermissions(core, owner), (ownerPerms): Principal => {
          const permissions = new Set(key.permissions.filter((p) => owner.isSuperuser || ownerPerms.has(p)));
          return { user: owner, key, permissions, isAdmin: permissions.has('admin') };
        }),
      refused,
    );
  }
  const verified = tokens.verify(credential);
  if (!verified.ok) return fail(401, verified.failure === 'expired' ? 'Token已过期' : 'Token无效');
  const { claims } = verified;
  return settle<User, Principal | Reply>(
    () => core.sessions.checkAccess({ userId: Number(claims.sub), sessionId: claims.sid, jti: claims.jti }),
    (user) =>
      andThen(userPermissions(core, user), (permissions): Principal => ({ user, token: credential, claims, permissions, isAdmin: user.isSuperuser || permissions.has('admin') })),
    refused,
  );
}

type Outcome = { reply: Reply; principal?: Principal };

/** Credential, then query, then body, then the handler. Bodiless requests stay synchronous. */
function run(deps: Deps, ep: Endpoint, c: Context): Outcome | Promise<Outcome> {
  if (ep.auth === false) return afterAuth(deps, ep, c, undefined);
  return andThen(authenticate(deps, c), (who) => ('status' in who ? { reply: who } : afterAuth(deps, ep, c, who)));
}

function afterAuth(deps: Deps, ep: Endpoint, c: Context, principal: Principal | undefined): Outcome | Promise<Outcome> {
  let query: unknown;
  if (ep.query) {
    const q = v.safeParse(ep.query, c.req.query());
    if (!q.success) return { reply: invalid(fieldErrors(q.issues)), principal };
    query = q.output;
  }
  const schema = ep.body;
  if (!schema) return handle(ep, { c, principal: principal!, params: c.req.param() as Record<string, string>, query, body: undefined });
  return readJsonBody(c).then((parsed): Outcome | Promise<Outcome> => {
    if (parsed.kind === 'malformed') return { reply: fail(400, '请求体不是合法的JSON'), principal };
    // No body is an empty object: optional fields take their defaults, required ones are named.
    const value = parsed.kind === 'json' ? parsed.value : {};
    // valibot's object() lets arrays through; a body must be a JSON object.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { reply: invalid([{ field: 'body', message: '类型错误' }]), principal };
    const b = v.safeParse(schema, value);
    if (!b.success) return { reply: invalid(fieldErrors(b.issues)), principal };
    return handle(ep, { c, principal: principal!, params: c.req.param() as Record<string, string>, query, body: b.output });
  });
}

function handle(ep: Endpoint, input: Input<unknown, unknown>): Outcome | Promise<Outcome> {
  const principal = input.principal as Principal | undefined;
  const caught = (e: unknown): Outcome => {
    if (isCoreError(e)) return { reply: coreErrorReply(e), principal };
    throw e;
  };
  try {
    const out = ep.handle(input);
    return out instanceof Promise ? out.then((reply) => ({ reply, principal }), caught) : { reply: out, principal };
  } catch (e) {
    return caught(e);
  }
}

/** Registers the endpoints; every use of an API key is recorded (in a batch, off the request path). */
export function mount(app: Hono, deps: Deps, endpoints: Endpoint[], respond: (c: Context, r: Reply) => Response, limitBody: MiddlewareHandler): void {
  for (const ep of endpoints) {
    const finish = (c: Context, { reply, principal }: Outcome) => {
      if (principal?.key) {
        deps.core.apiKeys.recordUse({ keyId: principal.key.id, endpoint: c.req.path, status: reply.status, ip: clientIp(c), at: stampOf(deps.core.clock) });
      }
      return respond(c, reply);
    };
    const handler = (c: Context) => {
      const out = run(deps, ep, c);
      return out instanceof Promise ? out.then((o) => finish(c, o)) : finish(c, out);
    };
    // Only routes that take a body pay for the limit (a global middleware would make every answer asynchronous).
    if (ep.body) app.on(ep.method, ep.path, limitBody, handler);
    else app.on(ep.method, ep.path, handler);
  }
}

/** Path templates as patterns, for 405 answers on known paths. */
export function knownPaths(endpoints: Endpoint[]): { pattern: RegExp; methods: string[] }[] {
  const byPath = new Map<string, string[]>();
  for (const ep of endpoints) byPath.set(ep.path, [...(byPath.get(ep.path) ?? []), ep.method]);
  return [...byPath].map(([path, methods]) => ({ pattern: new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`), methods }));
}
