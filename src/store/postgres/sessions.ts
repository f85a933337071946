import { and, eq, isNull, lt, ne, sql } from 'drizzle-orm';
import type { RotateVerdict, SessionStore, Tag } from '../store.ts';
import type { Ctx, Tx } from './conn.ts';
import { deniedJtis, sessions, spentTokens, users } from './schema.ts';

/**
 * Every live session of the user but `exceptSession` revoked with `reason`, each publishing `session:<id>`. The
 * caller stamps the user's `tokensValidAfter` (and publishes `user:<id>`).
 */
export async function revokeSessionsOf(tx: Tx, userId: number, now: number, reason: string, exceptSession: string | undefined, tags: Set<Tag>): Promise<void> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptSession === undefined ? undefined : ne(sessions.id, exceptSession)))
    .returning({ id: sessions.id });
  for (const s of revoked) tags.add(`session:${s.id}`);
}

/** Sessions are refresh-token families; `currentJti` is the only refresh token that may rotate. */
export function createSessionStore({ db, write }: Ctx): SessionStore {
  const sessionById = db.select().from(sessions).where(eq(sessions.id, sql.placeholder('id'))).prepare('dg_session_by_id');
  const deniedByJti = db.select({ jti: deniedJtis.jti }).from(deniedJtis).where(eq(deniedJtis.jti, sql.placeholder('jti'))).prepare('dg_denied_by_jti');

  return {
    async start(s) {
      await write(async (tx, tags) => {
        await tx.insert(sessions).values({ id: s.id, userId: s.userId, audience: s.audience, currentJti: s.currentJti, createdAt: s.createdAt, expiresAt: s.expiresAt });
        tags.add(`session:${s.id}`);
      });
    },

    byId: async (id) => (await sessionById.execute({ id }))[0],

    /**
     * With the session row locked (FOR NO KEY UPDATE: it serializes rotations, yet lets spent_tokens' foreign key
     * check through), so of several simultaneous rotations of one jti exactly one finds it current; the others wait,
     * then see it spent (READ COMMITTED: each later statement sees the winner's commit). Verdicts are returned, never
     * thrown, so the family revocation on a reuse commits.
     */
    async rotate(sessionId, jti, nextJti, now, ttlMs, graceMs) {
      return write(async (tx, tags): Promise<RotateVerdict> => {
        const [session] = await tx.select().from(sessions).where(eq(sessions.id, sessionId)).for('no key update');
        if (!session) return { kind: 'invalid' };
        // A disabled user hears that before that its sessions were revoked with it.
        const [user] = await tx.select().from(users).where(eq(users.id, session.userId));
        if (!user) return { kind: 'invalid' };
        if (user.status !== 'active') return { kind: 'disabled' };
        if (session.revokedAt !== null) return { kind: 'revoked' };
        if (session.expiresAt <= now) return { kind: 'expired' };
        if (session.currentJti !== jti) {
          const [spent] = await tx.select().from(spentTokens).where(eq(spentTokens.jti, jti));
          if (!spent || spent.sessionId !== sessionId) return { kind: 'invalid' };
          if (now - spent.spentAt <= graceMs) return { kind: 'grace' };
          await tx.update(sessions).set({ revokedAt: now, revokedReason: 'refresh_reuse' }).where(eq(sessions.id, sessionId));
          tags.add(`session:${sessionId}`);
          return { kind: 'reuse', userId: session.userId };
        }
        const [next] = await tx.update(sessions).set({ currentJti: nextJti, expiresAt: now + ttlMs }).where(eq(sessions.id, sessionId)).returning();
        await tx.insert(spentTokens).values({ jti, sessionId, spentAt: now, expiresAt: session.expiresAt });
        tags.add(`session:${sessionId}`);
        return { kind: 'rotated', user, session: next! };
      });
    },

    async revoke(id, now, reason) {
      return write(async (tx, tags) => {
        const [s] = await tx
          .update(sessions)
          .set({ revokedAt: now, revokedReason: reason })
          .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
          .returning({ userId: sessions.userId });
        if (!s) return undefined;
        tags.add(`session:${id}`);
        return s.userId;
      });
    },

    async extend(id, until) {
      await write(async (tx, tags) => {
        const changed = await tx.update(sessions).set({ expiresAt: until }).where(and(eq(sessions.id, id), lt(sessions.expiresAt, until))).returning({ id: sessions.id });
        if (changed.length) tags.add(`session:${id}`);
      });
    },

    async deny(jti, expiresAt) {
      await write(async (tx, tags) => {
        const added = await tx.insert(deniedJtis).values({ jti, expiresAt }).onConflictDoNothing().returning({ jti: deniedJtis.jti });
        if (added.length) tags.add(`jti:${jti}`);
      });
    },

    isDenied: async (jti) => (await deniedByJti.execute({ jti })).length > 0,

    /** Expired sessions go with their spent tokens (cascade); each dropped row publishes its tag. */
    async prune(now) {
      return write(async (tx, tags) => {
        const gone = await tx.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.id });
        const denied = await tx.delete(deniedJtis).where(lt(deniedJtis.expiresAt, now)).returning({ jti: deniedJtis.jti });
        for (const s of gone) tags.add(`session:${s.id}`);
        for (const d of denied) tags.add(`jti:${d.jti}`);
        return { sessions: gone.length, denied: denied.length };
      });
    },
  };
}
