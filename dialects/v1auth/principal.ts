// Who is asking: a user through a bearer token, or through one of its API keys (with the key's narrower rights).
import type { Context } from 'hono';
import { asUser, type Actor, type ApiKey, type Core, type User } from '../../src/core/index.ts';
import { expiryDetails, noteUser } from '../../src/http/decisions.ts';
import { reqHeader } from '../../src/http/headers.ts';
import { deny, requestOf, type Reply } from '../../src/http/pipeline.ts';
import { andThen, rethrow, settle, type Awaitable } from '../../src/http/settle.ts';
import { fail } from './envelope.ts';
import type { Tokens, V1Claims } from './tokens.ts';

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

export interface Deps {
  core: Core;
  tokens: Tokens;
}

/** The user's permission names (synchronous on a cache hit); a superuser and a holder of `admin` may do everything. */
function userPermissions(core: Core, user: User): Awaitable<Set<string>> {
  return andThen(core.directory.permissionsOf(user.id), (ps) => new Set(ps.map((p) => p.name)));
}

/**
 * `Authorization: Bearer <jwt|ak_…>` or `X-API-Key: ak_…`: the principal, or this dialect's 401. A core refusal
 * (revoked session, disabled key …) is thrown, for the dialect's error table. Synchronous on a cache hit.
 */
export function authenticate({ core, tokens }: Deps, c: Context): Awaitable<Principal | Reply> {
  const authorization = reqHeader(c, 'authorization');
  const headerKey = reqHeader(c, 'x-api-key');
  let credential: string | undefined;
  if (authorization !== undefined && authorization.trim() !== '') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
    if (!m) return deny(fail(401, 'Token无效'), 'token_invalid', { reason: 'malformed' });
    credential = m[1]!;
  } else if (headerKey !== undefined && headerKey.trim() !== '') credential = headerKey.trim();
  else return deny(fail(401, '未提供认证信息'), 'token_invalid', { reason: 'missing' });

  if (credential.startsWith('ak_')) {
    const presented = credential;
    return settle<{ key: ApiKey; owner: User }, Principal>(
      () => core.apiKeys.authenticate(presented),
      ({ key, owner }) =>
        andThen(userPermissions(core, owner), (ownerPerms): Principal => {
          noteUser(requestOf(c), owner.username);
          const permissions = new Set(key.permissions.filter((p) => owner.isSuperuser || ownerPerms.has(p)));
          return { user: owner, key, permissions, isAdmin: permissions.has('admin') };
        }),
      rethrow,
    );
  }
  const verified = tokens.verify(credential);
  if (!verified.ok) {
    return verified.failure === 'expired'
      ? deny(fail(401, 'Token已过期'), 'token_expired', expiryDetails(core.clock, credential))
      : deny(fail(401, 'Token无效'), 'token_invalid', { reason: 'malformed' });
  }
  const { claims } = verified;
  const token = credential;
  return settle<User, Principal>(
    () => core.sessions.checkAccess({ userId: Number(claims.sub), sessionId: claims.sid, jti: claims.jti }),
    (user) =>
      andThen(userPermissions(core, user), (permissions): Principal => {
        noteUser(requestOf(c), user.username);
        return { user, token, claims, permissions, isAdmin: user.isSuperuser || permissions.has('admin') };
      }),
    rethrow,
  );
}
