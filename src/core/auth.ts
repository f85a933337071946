import { eq, sql } from 'drizzle-orm';
import { loginFailures, users } from '../db/schema.ts';
import type { CoreContext } from './context.ts';
import type { Audit } from './audit.ts';
import { CoreError } from './errors.ts';
import { fitsPasswordLimit } from './passwords.ts';
import { toUser, type User } from './users-view.ts';

// A valid argon2id hash of a random string: unknown users cost one verify too, so timing tells nothing.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$ht8vIVo8/MsyZzZH8rXIwg$a6gCG5XDDmHxsBiF54HRXEAORk2nGGjOBywUwoRrcQ8';

/**
 * Password login with per-account lockout shared by every dialect. The attempt is counted before
 * the (slow) verify inside one immediate transaction, so parallel guesses cannot slip past the limit;
 * a success clears the count.
 */
export function createAuth(ctx: CoreContext, audit: Audit) {
  const { db, clock, hasher, policy } = ctx;

  function lockDuration(failures: number): number | null {
    if (failures >= policy.hardLockAt) return Number.MAX_SAFE_INTEGER;
    if (failures % policy.lockThreshold !== 0) return null;
    const step = failures / policy.lockThreshold - 1;
    return Math.min(policy.lockMaxMs, policy.lockBaseMs * 2 ** step);
  }

  /** Counts one attempt; throws account_locked while a lock is running. */
  function reserveAttempt(userId: number): void {
    db.transaction(
      (tx) => {
        const now = clock.now();
        const row = tx.select().from(loginFailures).where(eq(loginFailures.userId, userId)).get();
        const stale = !row || now - row.lastFailureAt > policy.failureResetMs;
        if (row && row.lockedUntil !== null && row.lockedUntil > now) {
          throw new CoreError('account_locked', { until: row.lockedUntil });
        }
        const failures = (stale ? 0 : row.count) + 1;
        const lock = lockDuration(failures);
        const lockedUntil = lock === null ? null : Math.min(Number.MAX_SAFE_INTEGER, now + lock);
        tx.insert(loginFailures)
          .values({ userId, count: failures, lastFailureAt: now, lockedUntil })
          .onConflictDoUpdate({ target: loginFailures.userId, set: { count: failures, lastFailureAt: now, lockedUntil } })
          .run();
      },
      { behavior: 'immediate' },
    );
  }

  function succeed(userId: number): void {
    const now = clock.now();
    db.transaction(() => {
      db.delete(loginFailures).where(eq(loginFailures.userId, userId)).run();
      db.update(users)
        .set({ lastLoginAt: now, loginCount: sql`${users.loginCount} + 1` })
        .where(eq(users.id, userId))
        .run();
    });
  }

  return {
    /**
     * Order as the legacy servers checked: unknown user, lock, password, then status
     * (a disabled user with a wrong password hears about the password).
     */
    async authenticate(username: string, password: string, meta: { ip?: string } = {}): Promise<User> {
      const row = db.select().from(users).where(eq(users.username, username)).get();
      if (!row) {
        await hasher.verify(DUMMY_HASH, password.slice(0, 1024));
        audit.record('login.failure', null, username, { reason: 'unknown_user', ip: meta.ip });
        throw new CoreError('invalid_credentials', { reason: 'unknown_user' });
      }
      try {
        if (row.status === 'locked') throw new CoreError('account_locked', { until: null });
        reserveAttempt(row.id);
      } catch (e) {
        audit.record('login.locked', row.id, username, { ip: meta.ip });
        throw e;
      }
      const ok = fitsPasswordLimit(password) && (await hasher.verify(row.passwordHash, password));
      if (!ok) {
        audit.record('login.failure', row.id, username, { reason: 'bad_password', ip: meta.ip });
        throw new CoreError('invalid_credentials', { reason: 'bad_password' });
      }
      if (row.status !== 'active') {
        db.delete(loginFailures).where(eq(loginFailures.userId, row.id)).run();
        audit.record('login.failure', row.id, username, { reason: 'disabled', ip: meta.ip });
        throw new CoreError('user_disabled');
      }
      succeed(row.id);
      audit.record('login.success', row.id, username, { ip: meta.ip });
      const fresh = db.select().from(users).where(eq(users.id, row.id)).get()!;
      return toUser(fresh);
    },

    /** Clears a lock (operators). */
    unlock(userId: number): void {
      db.delete(loginFailures).where(eq(loginFailures.userId, userId)).run();
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;
