import { eq, sql } from 'drizzle-orm';
import { loginFailures, users } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';
import type { Audit } from './audit.ts';
import { CoreError } from './errors.ts';
import { fitsPasswordLimit } from './passwords.ts';
import { toUser, type User } from './users-view.ts';

// A valid argon2id hash of a random string: unknown users cost one verify too, so timing tells nothing.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$ht8vIVo8/MsyZzZH8rXIwg$a6gCG5XDDmHxsBiF54HRXEAORk2nGGjOBywUwoRrcQ8';

/**
 * Password login with per-account lockout shared by every dialect. Attempts on one account are
 * serialized in this process, so each sees every earlier failure: parallel guesses cannot slip past
 * the limit, and parallel correct logins are never mistaken for failures. The count is updated in
 * one immediate transaction, so concurrent processes never lose an increment.
 */
export function createAuth(ctx: CoreContext, audit: Audit) {
  const { db, clock, hasher, policy } = ctx;
  const queues = new Map<number, Promise<unknown>>();

  /** Runs `fn` after every earlier attempt on the same account has finished. */
  function serialized<T>(userId: number, fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(userId) ?? Promise.resolve();
    const current = previous.then(fn, fn);
    const tail = current.catch(() => undefined);
    queues.set(userId, tail);
    void tail.then(() => {
      if (queues.get(userId) === tail) queues.delete(userId);
    });
    return current;
  }

  function lockDuration(failures: number): number | null {
    if (failures >= policy.hardLockAt) return Number.MAX_SAFE_INTEGER;
    if (failures % policy.lockThreshold !== 0) return null;
    const step = failures / policy.lockThreshold - 1;
    return Math.min(policy.lockMaxMs, policy.lockBaseMs * 2 ** step);
  }

  function assertUnlocked(userId: number): void {
    const row = db.select().from(loginFailures).where(eq(loginFailures.userId, userId)).get();
    if (row && row.lockedUntil !== null && row.lockedUntil > clock.now()) {
      throw new CoreError('account_locked', { until: row.lockedUntil });
    }
  }

  function recordFailure(userId: number): void {
    db.transaction(
      (tx) => {
        const now = clock.now();
        const row = tx.select().from(loginFailures).where(eq(loginFailures.userId, userId)).get();
        const stale = !row || now - row.lastFailureAt > policy.failureResetMs;
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

  /** A one-time password from a reset counts while it has not expired. */
  async function verifyTemporary(row: typeof users.$inferSelect, password: string): Promise<boolean> {
    if (!row.tempPasswordHash || row.tempPasswordExpiresAt === null || row.tempPasswordExpiresAt <= clock.now()) return false;
    return hasher.verify(row.tempPasswordHash, password);
  }

  function succeed(userId: number, consumeTemporary = false): void {
    const now = clock.now();
    db.transaction(() => {
      db.delete(loginFailures).where(eq(loginFailures.userId, userId)).run();
      db.update(users)
        .set({ lastLoginAt: now, loginCount: sql`${users.loginCount} + 1`, ...(consumeTemporary && { tempPasswordHash: null, tempPasswordExpiresAt: null }) })
        .where(eq(users.id, userId))
        .run();
    });
  }

  /** The one verify every attempt costs, known user or not, whatever the password's length. */
  async function verifyOnce(row: typeof users.$inferSelect | undefined, password: string): Promise<{ ok: boolean; temporary: boolean }> {
    const fits = fitsPasswordLimit(password);
    const probe = password.slice(0, 1024);
    if (!row) {
      await hasher.verify(DUMMY_HASH, probe);
      return { ok: false, temporary: false };
    }
    // A pending temporary password is verified alongside (argon2 runs on the thread pool): same wall time.
    const [ok, temporary] = await Promise.all([hasher.verify(row.passwordHash, probe), verifyTemporary(row, probe)]);
    return { ok: fits && ok, temporary: fits && !ok && temporary };
  }

  /** A locked account is refused after the same verify an open one costs, so a lock tells nothing either. */
  async function refuseIfLocked(row: typeof users.$inferSelect, password: string, event: 'login.locked' | 'password.change_locked', meta: { ip?: string }): Promise<void> {
    try {
      if (row.status === 'locked') throw new CoreError('account_locked', { until: null });
      assertUnlocked(row.id);
    } catch (e) {
      await hasher.verify(DUMMY_HASH, password.slice(0, 1024));
      audit.record(event, row.id, row.username, { ip: meta.ip });
      throw e;
    }
  }

  return {
    /**
     * Order as the legacy servers checked: unknown user, lock, password, then status
     * (a disabled user with a wrong password hears about the password).
     */
    async authenticate(username: string, password: string, meta: { ip?: string } = {}): Promise<User> {
      const found = db.select({ id: users.id }).from(users).where(eq(users.username, username)).get();
      if (!found) {
        await verifyOnce(undefined, password);
        audit.record('login.failure', null, username, { reason: 'unknown_user', ip: meta.ip });
        throw new CoreError('invalid_credentials', { reason: 'unknown_user' });
      }
      return serialized(found.id, async () => {
        const row = db.select().from(users).where(eq(users.id, found.id)).get();
        if (!row) throw new CoreError('invalid_credentials', { reason: 'unknown_user' });
        await refuseIfLocked(row, password, 'login.locked', meta);
        const { ok, temporary } = await verifyOnce(row, password);
        if (!ok && !temporary) {
          recordFailure(row.id);
          audit.record('login.failure', row.id, username, { reason: 'bad_password', ip: meta.ip });
          throw new CoreError('invalid_credentials', { reason: 'bad_password' });
        }
        if (row.status !== 'active') {
          db.delete(loginFailures).where(eq(loginFailures.userId, row.id)).run();
          audit.record('login.failure', row.id, username, { reason: 'disabled', ip: meta.ip });
          throw new CoreError('user_disabled');
        }
        succeed(row.id, temporary);
        audit.record('login.success', row.id, username, { ip: meta.ip, ...(temporary && { temporary: true }) });
        return toUser(db.select().from(users).where(eq(users.id, row.id)).get()!);
      });
    },

    /**
     * The current password of a password change, checked as a login is: a locked account is refused, and a
     * wrong password counts toward the same lockout (so a change form is no unthrottled oracle).
     */
    verifyCurrentPassword(userId: number, password: string, meta: { ip?: string } = {}): Promise<void> {
      return serialized(userId, async () => {
        const row = db.select().from(users).where(eq(users.id, userId)).get();
        if (!row) throw new CoreError('not_found', { entity: 'user', id: userId });
        await refuseIfLocked(row, password, 'password.change_locked', meta);
        const { ok } = await verifyOnce(row, password);
        if (!ok) {
          recordFailure(row.id);
          audit.record('password.change_failure', row.id, row.username, { ip: meta.ip });
          throw new CoreError('invalid_credentials', { reason: 'bad_password' });
        }
      });
    },

    /** Clears a lock, the hard lock included (operators: `npm run unlock`, later the control plane). */
    unlock(userId: number): boolean {
      const cleared = db.delete(loginFailures).where(eq(loginFailures.userId, userId)).run().changes > 0;
      if (cleared) audit.record('account.unlocked', userId, null);
      return cleared;
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;
