import type { CoreContext } from './context.ts';
import { horizonOf, stampOf } from './ports.ts';
import type { Audit } from './audit.ts';
import { CoreError } from './errors.ts';
import { toUser, type User } from './users-view.ts';

export interface SessionTokens {
  sessionId: string;
  refreshJti: string;
}

/** What a dialect read from a verified token; the core decides whether it still stands. */
export interface AccessClaims {
  /** The user, by numeric id or by UUID (one of the two). */
  userId?: number;
  userUuid?: string;
  /** Every token belongs to a session, so a revocation is exact to the millisecond (never a whole-second `iat`). */
  sessionId: string;
  jti?: string;
}

/**
 * Sessions are refresh-token families. Access is checked on every request against the user, its session and the
 * jti deny-list, so a disable, delete, password change or logout is seen at once by every dialect.
 */
export function createSessions(ctx: CoreContext, audit: Audit) {
  const { store, clock, random, policy, cache } = ctx;
  const newId = () => random.bytes(16).toString('base64url');

  async function decide(claims: AccessClaims): Promise<User> {
    const row = claims.userId !== undefined ? await store.users.byId(claims.userId) : await store.users.byUuid(claims.userUuid ?? '');
    if (!row || row.status !== 'active') throw new CoreError('token_revoked', { reason: row ? 'user_inactive' : 'user_gone' });
    const session = await store.sessions.byId(claims.sessionId);
    if (!session || session.userId !== row.id || session.revokedAt !== null) throw new CoreError('token_revoked', { reason: 'session' });
    if (claims.jti !== undefined && (await store.sessions.isDenied(claims.jti))) throw new CoreError('token_revoked', { reason: 'denied' });
    return toUser(row);
  }

  return {
    /** `ids`: a dialect whose tokens carry no session claim names the session by a claim they have (flask: the jti). */
    async start(userId: number, audience: string, ttlMs: number, ids: Partial<SessionTokens> = {}): Promise<SessionTokens> {
      const sessionId = ids.sessionId ?? newId();
      const refreshJti = ids.refreshJti ?? newId();
      // Expiry in policy time, the record time as stamped (they differ under the control plane's virtual clock).
      await store.sessions.start({ id: sessionId, userId, audience, currentJti: refreshJti, createdAt: stampOf(clock), expiresAt: clock.now() + ttlMs });
      return { sessionId, refreshJti };
    },

    /** Spends `jti` and returns its successor. Reuse inside the grace window harms nothing; after it, the family dies. */
    async rotate(sessionId: string, jti: string, ttlMs: number): Promise<{ refreshJti: string; user: User }> {
      const next = newId();
      const verdict = await store.sessions.rotate(sessionId, jti, next, clock.now(), ttlMs, policy.refreshGraceMs);
      switch (verdict.kind) {
        case 'rotated':
          return { refreshJti: next, user: toUser(verdict.user) };
        case 'disabled':
          throw new CoreError('user_disabled');
        case 'revoked':
          throw new CoreError('token_revoked');
        case 'expired':
          throw new CoreError('token_expired');
        case 'grace':
          throw new CoreError('token_reused', { grace: true });
        case 'reuse':
          await audit.record('refresh.reuse', verdict.userId, null, { sessionId });
          throw new CoreError('token_revoked', { reason: 'reuse' });
        default:
          throw new CoreError('token_invalid');
      }
    },

    /** The hot path of every authenticated request: synchronous on a cache hit. */
    checkAccess(claims: AccessClaims): User | Promise<User> {
      const user = claims.userId !== undefined ? `user:${claims.userId}` : `uuid:${claims.userUuid}`;
      const tags = [user, 'users', `session:${claims.sessionId}`, ...(claims.jti === undefined ? [] : [`jti:${claims.jti}`])];
      return cache.remember(`access|${user}|${claims.sessionId}|${claims.jti}`, tags, () => decide(claims));
    },

    /** Logout: the token's session ends. */
    async revokeSession(sessionId: string, reason: string): Promise<void> {
      const userId = await store.sessions.revoke(sessionId, stampOf(clock), reason);
      if (userId !== undefined) await audit.record('session.revoked', userId, null, { reason });
    },

    /** A session lives at least until `until` (a refreshed token must not outlive its session). */
    extend: (sessionId: string, until: number) => store.sessions.extend(sessionId, until),

    /** Drops what can no longer matter: expired sessions (with their spent tokens) and denied jtis past their expiry. */
    prune: () => store.sessions.prune(horizonOf(clock)),

    denyJti: (jti: string, expiresAt: number) => store.sessions.deny(jti, expiresAt),

    /** Every token of the user dies, but those of `exceptSession`. */
    revokeUser: (userId: number, reason: string, exceptSession?: string) => store.users.revokeAll(userId, stampOf(clock), reason, exceptSession),
  };
}
export type Sessions = ReturnType<typeof createSessions>;
