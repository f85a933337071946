import { and, eq, isNull, lt, ne, sql } from 'drizzle-orm';
import type { RotateVerdict, SessionStore, Tag } from '../store.ts';
import type { Conn, Ctx } from './conn.ts';
import { deniedJtis, sessions, spentTokens, users } from './schema.ts';

/**
 * Every live session of the user but `exceptSession` revoked with `reason`, each publishing `session:<id>`. The
 * caller stamps the user's `tokensValidAfter` (and publishes `user:<id>`).
 */
export function revokeSessionsOf(c: Conn, userId: number, now: number, reason: string, exceptSession: string | undefined, tags: Set<Tag>): void {
  const revoked = c
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptSession === undefined ? undefined : ne(sessions.id, exceptSession)))
    .returning({ id: sessions.id })
    .all();
  for (const s of revoked) tags.add(`session:${s.id}`);
}

/** Sessions are refresh-token families; `currentJti` is the only refresh token that may rotate. */
export function createSessionStore({ db, write }: Ctx): SessionStore {
  const sessionById = db.select().from(sessions).where(eq(sessions.id, sql.placeholder('id'))).prepare();
  const deniedByJti = db.select({ jti: deniedJtis.jti }).from(deniedJtis).where(eq(deniedJtis.jti, sql.placeholder('jti'))).prepare();

  return {
    async start(s) {
      write((tx, tags) => {
        tx.insert(sessions)
          .values({ id: s.id, userId: s.userId, audience: s.audience, currentJti: s.currentJti, createdAt: s.createdAt, expiresAt: s.expiresAt })
          .run();
        tags.add(`session:${s.id}`);
      });
    },

    byId: async (id) => sessionById.get({ id }),

    /**
     * In one immediate transaction, so exactly one of several simultaneous rotations of one jti wins; the others see
     * it spent. Verdicts are returned, never thrown, so the family revocation on a reuse commits.
     */
    async rotate(sessionId, jti, nextJti, now, ttlMs, graceMs) {
      return write((tx, tags): RotateVerdict => {
        const session = tx.select().from(sessions).where(eq(sessions.id, sessionId)).get();
        if (!session) return { kind: 'invalid' };
        // A disabled user hears that before that its sessions were revoked with it.
        const user = tx.select().from(users).where(eq(users.id, session.userId)).get();
        if (!user) return { kind: 'invalid' };
        if (user.status !== 'active') return { kind: 'disabled' };
        if (session.revokedAt !== null) return { kind: 'revoked' };
        if (session.expiresAt <= now) return { kind: 'expired' };
        if (session.currentJti !== jti) {
          const spent = tx.select().from(spentTokens).where(eq(spentTokens.jti, jti)).get();
          if (!spent || spent.sessionId !== sessionId) return { kind: 'invalid' };
          if (now - spent.spentAt <= graceMs) return { kind: 'grace' };
          tx.update(sessions).set({ revokedAt: now, revokedReason: 'refresh_reuse' }).where(eq(sessions.id, sessionId)).run();
          tags.add(`session:${sessionId}`);
          return { kind: 'reuse', userId: session.userId };
        }
        const next = tx.update(sessions).set({ currentJti: nextJti, expiresAt: now + ttlMs }).where(eq(sessions.id, sessionId)).returning().get()!;
        tx.insert(spentTokens).values({ jti, sessionId, spentAt: now, expiresAt: session.expiresAt }).run();
        tags.add(`session:${sessionId}`);
        return { kind: 'rotated', user, session: next };
      });
    },

    async revoke(id, now, reason) {
      return write((tx, tags) => {
        const s = tx
          .update(sessions)
          .set({ revokedAt: now, revokedReason: reason })
          .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
          .returning({ userId: sessions.userId })
          .get();
        if (!s) return undefined;
        tags.add(`session:${id}`);
        return s.userId;
      });
    },

    async extend(id, until) {
      write((tx, tags) => {
        const changed = tx.update(sessions).set({ expiresAt: until }).where(and(eq(sessions.id, id), lt(sessions.expiresAt, until))).run().changes;
        if (changed) tags.add(`session:${id}`);
      });
    },

    async deny(jti, expiresAt) {
      write((tx, tags) => {
        if (tx.insert(deniedJtis).values({ jti, expiresAt }).onConflictDoNothing().run().changes) tags.add(`jti:${jti}`);
      });
    },

    isDenied: async (jti) => deniedByJti.get({ jti }) !== undefined,

    /** Expired sessions go with their spent tokens (cascade); each dropped row publishes its tag. */
    async prune(now) {
      return write((tx, tags) => {
        const gone = tx.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.id }).all();
        const denied = tx.delete(deniedJtis).where(lt(deniedJtis.expiresAt, now)).returning({ jti: deniedJtis.jti }).all();
        for (const s of gone) tags.add(`session:${s.id}`);
        for (const d of denied) tags.add(`jti:${d.jti}`);
        return { sessions: gone.length, denied: denied.length };
      });
    },
  };
}
