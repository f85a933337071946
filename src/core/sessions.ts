import { and, eq, isNull, lt, ne, sql } from 'drizzle-orm';
import { deniedJtis, sessions, spentTokens, users } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';
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
 * Sessions are refresh-token families. Access is checked on every request against the user,
 * its session and the jti deny-list, so a disable, delete, password change or logout is seen at once
 * by every dialect.
 */
export function createSessions(ctx: CoreContext, audit: Audit) {
  const { db, clock, random, policy, cache } = ctx;
  const newId = () => random.bytes(16).toString('base64url');

  const userById = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const userByUuid = db.select().from(users).where(eq(users.uuid, sql.placeholder('uuid'))).prepare();
  const sessionById = db.select().from(sessions).where(eq(sessions.id, sql.placeholder('id'))).prepare();
  const deniedByJti = db.select().from(deniedJtis).where(eq(deniedJtis.jti, sql.placeholder('jti'))).prepare();

  function decide(claims: AccessClaims): User {
    const row = claims.userId !== undefined ? userById.get({ id: claims.userId }) : userByUuid.get({ uuid: claims.userUuid ?? '' });
    if (!row || row.status !== 'active') throw new CoreError('token_revoked', { reason: row ? 'user_inactive' : 'user_gone' });
    const session = sessionById.get({ id: claims.sessionId });
    if (!session || session.userId !== row.id || session.revokedAt !== null) throw new CoreError('token_revoked', { reason: 'session' });
    if (claims.jti !== undefined && deniedByJti.get({ jti: claims.jti })) throw new CoreError('token_revoked', { reason: 'denied' });
    return toUser(row);
  }

  /** Every token of the user dies, but those of `exceptSession` (the caller's own, on a password change). */
  function revokeUser(userId: number, reason: string, exceptSession?: string): void {
    const now = clock.now();
    db.update(users).set({ tokensValidAfter: now }).where(eq(users.id, userId)).run();
    db.update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptSession === undefined ? undefined : ne(sessions.id, exceptSession)))
      .run();
  }

  return {
    /** `ids`: a dialect whose tokens carry no session claim names the session by a claim they have (flask: the jti). */
    start(userId: number, audience: string, ttlMs: number, ids: Partial<SessionTokens> = {}): SessionTokens {
      const now = clock.now();
      const sessionId = ids.sessionId ?? newId();
      const refreshJti = ids.refreshJti ?? newId();
      db.insert(sessions)
        .values({ id: sessionId, userId, audience, currentJti: refreshJti, createdAt: now, expiresAt: now + ttlMs })
        .run();
      return { sessionId, refreshJti };
    },

    /** Spends `jti` and returns its successor. Reuse inside the grace window harms nothing; after it, the family dies. */
    rotate(sessionId: string, jti: string, ttlMs: number): { refreshJti: string; user: User } {
      // The transaction returns its verdict instead of throwing, so a family revocation commits.
      const verdict = db.transaction(
        (tx): { ok: { refreshJti: string; user: User } } | { error: CoreError } => {
          const now = clock.now();
          const session = tx.select().from(sessions).where(eq(sessions.id, sessionId)).get();
          if (!session) return { error: new CoreError('token_invalid') };
          // A disabled user hears that before that its sessions were revoked with it.
          const row = tx.select().from(users).where(eq(users.id, session.userId)).get();
          if (!row) return { error: new CoreError('token_invalid') };
          if (row.status !== 'active') return { error: new CoreError('user_disabled') };
          if (session.revokedAt !== null) return { error: new CoreError('token_revoked') };
          if (session.expiresAt <= now) return { error: new CoreError('token_expired') };
          if (session.currentJti !== jti) {
            const spent = tx.select().from(spentTokens).where(eq(spentTokens.jti, jti)).get();
            if (!spent || spent.sessionId !== sessionId) return { error: new CoreError('token_invalid') };
            if (now - spent.spentAt <= policy.refreshGraceMs) return { error: new CoreError('token_reused', { grace: true }) };
            tx.update(sessions).set({ revokedAt: now, revokedReason: 'refresh_reuse' }).where(eq(sessions.id, sessionId)).run();
            audit.record('refresh.reuse', session.userId, null, { sessionId });
            return { error: new CoreError('token_revoked', { reason: 'reuse' }) };
          }
          const next = newId();
          tx.update(sessions).set({ currentJti: next, expiresAt: now + ttlMs }).where(eq(sessions.id, sessionId)).run();
          tx.insert(spentTokens).values({ jti, sessionId, spentAt: now, expiresAt: session.expiresAt }).run();
          return { ok: { refreshJti: next, user: toUser(row) } };
        },
        { behavior: 'immediate' },
      );
      if ('error' in verdict) throw verdict.error;
      return verdict.ok;
    },

    /** The hot path of every authenticated request. */
    checkAccess(claims: AccessClaims): User {
      return cache.remember(`access|${claims.userId}|${claims.userUuid}|${claims.sessionId}|${claims.jti}`, () => decide(claims));
    },

    /** Logout: the token's session ends, and the jti is denied until it would have expired. */
    revokeSession(sessionId: string, reason: string): void {
      const now = clock.now();
      const s = db.select().from(sessions).where(eq(sessions.id, sessionId)).get();
      if (!s || s.revokedAt !== null) return;
      db.update(sessions).set({ revokedAt: now, revokedReason: reason }).where(eq(sessions.id, sessionId)).run();
      audit.record('session.revoked', s.userId, null, { reason });
    },

    /** A session lives at least until `until` (a refreshed token must not outlive its session). */
    extend(sessionId: string, until: number): void {
      db.update(sessions).set({ expiresAt: until }).where(and(eq(sessions.id, sessionId), lt(sessions.expiresAt, until))).run();
    },

    /** Drops what can no longer matter: expired sessions (with their spent tokens) and denied jtis past their expiry. */
    prune(): { sessions: number; denied: number } {
      const now = clock.now();
      return db.transaction(() => ({
        sessions: db.delete(sessions).where(lt(sessions.expiresAt, now)).run().changes,
        denied: db.delete(deniedJtis).where(lt(deniedJtis.expiresAt, now)).run().changes,
      }));
    },

    denyJti(jti: string, expiresAt: number): void {
      db.insert(deniedJtis).values({ jti, expiresAt }).onConflictDoNothing().run();
    },

    revokeUser,
  };
}
export type Sessions = ReturnType<typeof createSessions>;
