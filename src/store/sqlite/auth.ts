import { eq, sql } from 'drizzle-orm';
import type { AuthStore, LoginAttempt, LoginState } from '../store.ts';
import { createAccountQueue } from '../account-queue.ts';
import type { Ctx } from './conn.ts';
import { loginFailures, users } from './schema.ts';

/**
 * The lockout counter. SQLite serves one gateway process per file, so the attempt lock is an in-process queue per
 * account: each attempt (and its slow verify) runs after every earlier one on the same account has finished, so it
 * sees every earlier failure. `fail` and `succeed` are immediate transactions, so no increment is ever lost.
 */
export function createAuthStore({ db, write }: Ctx): AuthStore {
  const serialized = createAccountQueue();
  const userById = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const stateOf = db
    .select({ count: loginFailures.count, lastFailureAt: loginFailures.lastFailureAt, lockedUntil: loginFailures.lockedUntil })
    .from(loginFailures)
    .where(eq(loginFailures.userId, sql.placeholder('id')))
    .prepare();


  return {
    attempt(userId, now, run) {
      return serialized(userId, async () => {
        const user = userById.get({ id: userId });
        if (!user) return undefined;
        const attempt: LoginAttempt = {
          user,
          state: stateOf.get({ id: userId }),
          async fail(policy) {
            return write((tx, tags): LoginState => {
              const row = tx.select().from(loginFailures).where(eq(loginFailures.userId, userId)).get();
              const stale = !row || now - row.lastFailureAt > policy.resetAfterMs;
              const count = (stale ? 0 : row.count) + 1;
              const lock = policy.lockFor(count);
              const lockedUntil = lock === null ? null : Math.min(Number.MAX_SAFE_INTEGER, now + lock);
              tx.insert(loginFailures)
                .values({ userId, count, lastFailureAt: now, lockedUntil })
                .onConflictDoUpdate({ target: loginFailures.userId, set: { count, lastFailureAt: now, lockedUntil } })
                .run();
              tags.add(`user:${userId}`);
              return { count, lastFailureAt: now, lockedUntil };
            });
          },
          async succeed({ login, consumeTemporary }) {
            write((tx, tags) => {
              tx.delete(loginFailures).where(eq(loginFailures.userId, userId)).run();
              if (login || consumeTemporary) {
                tx.update(users)
                  .set({
                    ...(login && { lastLoginAt: now, loginCount: sql`${users.loginCount} + 1` }),
                    ...(consumeTemporary && { tempPasswordHash: null, tempPasswordExpiresAt: null }),
                  })
                  .where(eq(users.id, userId))
                  .run();
              }
              tags.add(`user:${userId}`);
            });
          },
        };
        return run(attempt);
      });
    },

    state: async (userId) => stateOf.get({ id: userId }),

    async clear(userId) {
      return write((tx, tags) => {
        const cleared = tx.delete(loginFailures).where(eq(loginFailures.userId, userId)).run().changes > 0;
        if (cleared) tags.add(`user:${userId}`);
        return cleared;
      });
    },
  };
}
