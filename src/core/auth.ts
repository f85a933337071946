import type { FailurePolicy, LoginAttempt, UserRow } from '../store/store.ts';
import type { CoreContext } from './context.ts';
import type { Audit, AuditEvent } from './audit.ts';
import { CoreError } from './errors.ts';
import { fitsPasswordLimit } from './passwords.ts';
import { toUser, type User } from './users-view.ts';

// A valid argon2id hash of a random string: unknown users cost one verify too, so timing tells nothing.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$ht8vIVo8/MsyZzZH8rXIwg$a6gCG5XDDmHxsBiF54HRXEAORk2nGGjOBywUwoRrcQ8';

/** What an attempt decided; its audit entry is written after the attempt's transaction (never inside it). */
type Verdict = ({ ok: true; value: User | undefined } | { ok: false; error: CoreError }) & { audit: [AuditEvent, string, Record<string, unknown>] };

/**
 * Password login with per-account lockout shared by every dialect and every process on the store. Each attempt runs
 * under the store's attempt lock for that account (see `AuthStore.attempt`), so it sees every earlier failure:
 * parallel guesses cannot slip past the limit, and parallel correct logins are never mistaken for failures.
 * The core keeps the policy (thresholds, durations); the store keeps the atomicity.
 */
export function createAuth(ctx: CoreContext, audit: Audit) {
  const { store, clock, hasher, policy } = ctx;

  function lockFor(failures: number): number | null {
    if (failures >= policy.hardLockAt) return Number.MAX_SAFE_INTEGER;
    if (failures % policy.lockThreshold !== 0) return null;
    const step = failures / policy.lockThreshold - 1;
    return Math.min(policy.lockMaxMs, policy.lockBaseMs * 2 ** step);
  }
  const failurePolicy: FailurePolicy = { resetAfterMs: policy.failureResetMs, lockFor };

  /** A one-time password from a reset counts while it has not expired. */
  async function verifyTemporary(row: UserRow, password: string): Promise<boolean> {
    if (!row.tempPasswordHash || row.tempPasswordExpiresAt === null || row.tempPasswordExpiresAt <= clock.now()) return false;
    return hasher.verify(row.tempPasswordHash, password);
  }

  /** The one verify every attempt costs, known user or not, whatever the password's length. */
  async function verifyOnce(row: UserRow | undefined, password: string): Promise<{ ok: boolean; temporary: boolean }> {
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
  async function lockedVerdict(a: LoginAttempt, password: string): Promise<CoreError | undefined> {
    const until = a.user.status === 'locked' ? null : a.state?.lockedUntil;
    if (a.user.status !== 'locked' && (until === null || until === undefined || until <= clock.now())) return undefined;
    await hasher.verify(DUMMY_HASH, password.slice(0, 1024));
    return new CoreError('account_locked', { until: until ?? null });
  }

  /** The store's attempt, its verdict carried out of the transaction (so the failure it recorded commits), then thrown. */
  async function attempt(userId: number, run: (a: LoginAttempt) => Promise<Verdict>): Promise<User | undefined> {
    const verdict = await store.auth.attempt(userId, clock.now(), run);
    if (verdict === undefined) return undefined;
    // A successful check of the current password is audited by the change itself.
    if (!verdict.ok) {
      await audit.record(verdict.audit[0], userId, verdict.audit[1], verdict.audit[2]);
      throw verdict.error;
    }
    return verdict.value;
  }

  /**
   * What a known user's attempt costs beyond its verify (the store's attempt: a transaction with a row lock and a
   * write, several round trips on PostgreSQL), as a moving average; an unknown user waits as long after its dummy
   * verify, so the store's work does not tell users apart either.
   */
  let storeCostMs = 0;
  const observeStoreCost = (ms: number) => {
    storeCostMs = storeCostMs === 0 ? ms : storeCostMs * 0.9 + ms * 0.1;
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function unknownUser(username: string, password: string, ip: string | undefined): Promise<never> {
    await verifyOnce(undefined, password);
    if (storeCostMs >= 1) await pause(storeCostMs);
    await audit.record('login.failure', null, username, { reason: 'unknown_user', ip });
    throw new CoreError('invalid_credentials', { reason: 'unknown_user' });
  }

  return {
    /**
     * Order as the legacy servers checked: unknown user, lock, password, then status
     * (a disabled user with a wrong password hears about the password).
     */
    async authenticate(username: string, password: string, meta: { ip?: string } = {}): Promise<User> {
      const found = await store.users.byUsername(username);
      if (!found) return unknownUser(username, password, meta.ip);
      const started = performance.now();
      let verifyMs = 0;
      const verdict = await store.auth.attempt(found.id, clock.now(), async (a): Promise<Verdict> => {
        const verifyStarted = performance.now();
        const locked = await lockedVerdict(a, password);
        if (locked) {
          verifyMs = performance.now() - verifyStarted;
          return { ok: false, error: locked, audit: ['login.locked', a.user.username, { ip: meta.ip }] };
        }
        const { ok, temporary } = await verifyOnce(a.user, password);
        verifyMs = performance.now() - verifyStarted;
        if (!ok && !temporary) {
          await a.fail(failurePolicy);
          return { ok: false, error: new CoreError('invalid_credentials', { reason: 'bad_password' }), audit: ['login.failure', a.user.username, { reason: 'bad_password', ip: meta.ip }] };
        }
        if (a.user.status !== 'active') {
          await a.succeed({ login: false, consumeTemporary: false });
          return { ok: false, error: new CoreError('user_disabled'), audit: ['login.failure', a.user.username, { reason: 'disabled', ip: meta.ip }] };
        }
        await a.succeed({ login: true, consumeTemporary: temporary });
        return { ok: true, value: undefined, audit: ['login.success', a.user.username, { ip: meta.ip, ...(temporary && { temporary: true }) }] };
      });
      // Deleted between the lookup and the attempt: as unknown.
      if (verdict === undefined) return unknownUser(username, password, meta.ip);
      observeStoreCost(performance.now() - started - verifyMs);
      await audit.record(verdict.audit[0], found.id, verdict.audit[1], verdict.audit[2]);
      if (!verdict.ok) throw verdict.error;
      return toUser((await store.users.byId(found.id))!);
    },

    /**
     * The current password of a password change, checked as a login is: a locked account is refused, and a
     * wrong password counts toward the same lockout (so a change form is no unthrottled oracle).
     */
    async verifyCurrentPassword(userId: number, password: string, meta: { ip?: string } = {}): Promise<void> {
      const found = await attempt(userId, async (a): Promise<Verdict> => {
        const locked = await lockedVerdict(a, password);
        if (locked) return { ok: false, error: locked, audit: ['password.change_locked', a.user.username, { ip: meta.ip }] };
        if (!(await verifyOnce(a.user, password)).ok) {
          await a.fail(failurePolicy);
          return { ok: false, error: new CoreError('invalid_credentials', { reason: 'bad_password' }), audit: ['password.change_failure', a.user.username, { ip: meta.ip }] };
        }
        return { ok: true, value: toUser(a.user), audit: ['password.changed', a.user.username, {}] };
      });
      if (!found) throw new CoreError('not_found', { entity: 'user', id: userId });
    },

    /** Clears a lock, the hard lock included (operators: `npm run unlock`, later the control plane). */
    async unlock(userId: number): Promise<boolean> {
      const cleared = await store.auth.clear(userId);
      if (cleared) await audit.record('account.unlocked', userId, null);
      return cleared;
    },
  };
}
export type Auth = ReturnType<typeof createAuth>;
