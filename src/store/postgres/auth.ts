import { eq, sql } from 'drizzle-orm';
import type { AuthStore, LoginAttempt, LoginState } from '../store.ts';
import { createAccountQueue } from '../account-queue.ts';
import type { Ctx } from './conn.ts';
import { loginFailures, users } from './schema.ts';

const stateColumns = { count: loginFailures.count, lastFailureAt: loginFailures.lastFailureAt, lockedUntil: loginFailures.lockedUntil };

/**
 * The lockout counter. An attempt is one transaction holding the user's row lock (FOR NO KEY UPDATE: attempts on the
 * account serialize, across every process on the database, while foreign-key checks such as a new session's still
 * pass) from the read of the counter, over the caller's slow verify, to the commit of its verdict. In this process,
 * attempts on one account also queue before taking a pooled connection, so a burst of guesses on one account holds
 * one connection, not the whole pool.
 */
export function createAuthStore({ db, write }: Ctx): AuthStore {
  const serialized = createAccountQueue();
  const stateOf = db.select(stateColumns).from(loginFailures).where(eq(loginFailures.userId, sql.placeholder('id'))).prepare('dg_login_state');


  return {
    attempt(userId, now, run) {
      return serialized(userId, () =>
        // `run` returns its verdict and the core throws afterwards, so a normal return commits (a failure counted);
        // a throw from `run` itself rolls back.
        write(async (tx, tags) => {
          const [user] = await tx.select().from(users).where(eq(users.id, userId)).for('no key update');
          if (!user) return undefined;
          const [state] = await tx.select(stateColumns).from(loginFailures).where(eq(loginFailures.userId, userId));
          const attempt: LoginAttempt = {
            user,
            state,
            async fail(policy): Promise<LoginState> {
              // Re-read with the counter row locked: an unlock (`clear`) does not take the user's row lock.
              const [row] = await tx.select(stateColumns).from(loginFailures).where(eq(loginFailures.userId, userId)).for('update');
              const stale = !row || now - row.lastFailureAt > policy.resetAfterMs;
              const count = (stale ? 0 : row.count) + 1;
              const lock = policy.lockFor(count);
              const lockedUntil = lock === null ? null : Math.min(Number.MAX_SAFE_INTEGER, now + lock);
              await tx
                .insert(loginFailures)
                .values({ userId, count, lastFailureAt: now, lockedUntil })
                .onConflictDoUpdate({ target: loginFailures.userId, set: { count, lastFailureAt: now, lockedUntil } });
              tags.add(`user:${userId}`);
              return { count, lastFailureAt: now, lockedUntil };
            },
            async succeed({ login, consumeTemporary }) {
              await tx.delete(loginFailures).where(eq(loginFailures.userId, userId));
              if (login || consumeTemporary) {
                await tx
                  .update(users)
                  .set({
                    ...(login && { lastLoginAt: now, loginCount: sql`${users.loginCount} + 1` }),
                    ...(consumeTemporary && { tempPasswordHash: null, tempPasswordExpiresAt: null }),
                  })
                  .where(eq(users.id, userId));
              }
              tags.add(`user:${userId}`);
            },
          };
          return run(attempt);
        }),
      );
    },

    state: async (userId) => (await stateOf.execute({ id: userId }))[0],

    async clear(userId) {
      return write(async (tx, tags) => {
        const cleared = await tx.delete(loginFailures).where(eq(loginFailures.userId, userId)).returning({ id: loginFailures.userId });
        if (cleared.length) tags.add(`user:${userId}`);
        return cleared.length > 0;
      });
    },
  };
}
