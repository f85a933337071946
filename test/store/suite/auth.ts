import { describe, expect, it } from 'vitest';
import type { FailurePolicy, LoginState } from '../../../src/store/store.ts';
import { DAY, expectTags, T0, type Harness } from './harness.ts';

const never: FailurePolicy = { resetAfterMs: DAY, lockFor: () => null };
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function authSuite(h: Harness) {
  const fail = (userId: number, now: number, policy: FailurePolicy = never) => h.store.auth.attempt(userId, now, (a) => a.fail(policy));

  describe('auth.attempt', () => {
    it('an unknown user: undefined, and run is not called', async () => {
      let called = false;
      expect(await h.store.auth.attempt(9999, T0, async () => void (called = true))).toBeUndefined();
      expect(called).toBe(false);
    });

    it('run sees the user row and its lockout state; its result is the attempt\'s', async () => {
      const { alice } = h.fx.user;
      const first = await h.store.auth.attempt(alice.id, T0, async (a) => ({ user: a.user, state: a.state }));
      expect(first).toEqual({ user: alice, state: undefined });
      await fail(alice.id, T0 + 5);
      const second = await h.store.auth.attempt(alice.id, T0 + 6, async (a) => a.state);
      expect(second).toEqual({ count: 1, lastFailureAt: T0 + 5, lockedUntil: null });
    });

    it('fail counts from 1 with lastFailureAt = now and applies the policy\'s lock at its threshold', async () => {
      const { alice } = h.fx.user;
      const policy: FailurePolicy = { resetAfterMs: DAY, lockFor: (n) => (n === 3 ? 60_000 : null) };
      const states: (LoginState | undefined)[] = [];
      for (const i of range(4)) states.push(await fail(alice.id, T0 + i * 10, policy));
      expect(states).toEqual([
        { count: 1, lastFailureAt: T0 + 10, lockedUntil: null },
        { count: 2, lastFailureAt: T0 + 20, lockedUntil: null },
        { count: 3, lastFailureAt: T0 + 30, lockedUntil: T0 + 30 + 60_000 },
        { count: 4, lastFailureAt: T0 + 40, lockedUntil: null },
      ]);
      expect(await h.store.auth.state(alice.id)).toEqual(states[3]);
      expect(await h.store.auth.state(h.fx.user.bob.id)).toBeUndefined();
    });

    it('a count older than resetAfterMs is forgotten before the next failure is added', async () => {
      const { alice } = h.fx.user;
      const policy: FailurePolicy = { resetAfterMs: 1000, lockFor: () => null };
      expect((await fail(alice.id, T0, policy))!.count).toBe(1);
      expect((await fail(alice.id, T0 + 1000, policy))!.count).toBe(2); // exactly resetAfterMs: still counted
      expect((await fail(alice.id, T0 + 2001, policy))!.count).toBe(1);
    });

    it('the hard lock (Number.MAX_SAFE_INTEGER) is kept exactly', async () => {
      const { alice } = h.fx.user;
      const s = await fail(alice.id, T0, { resetAfterMs: DAY, lockFor: () => Number.MAX_SAFE_INTEGER });
      expect(s!.lockedUntil).toBe(Number.MAX_SAFE_INTEGER);
      expect((await h.store.auth.state(alice.id))!.lockedUntil).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('succeed with login clears the failures and stamps the login; the temporary password stays unless consumed', async () => {
      const { alice } = h.fx.user;
      await h.store.users.setTemporaryPassword(alice.id, 'temp', T0 + DAY, T0);
      await fail(alice.id, T0);
      await h.store.auth.attempt(alice.id, T0 + 100, (a) => a.succeed({ login: true, consumeTemporary: false }));
      expect(await h.store.auth.state(alice.id)).toBeUndefined();
      expect(await h.store.users.byId(alice.id)).toMatchObject({ lastLoginAt: T0 + 100, loginCount: 1, tempPasswordHash: 'temp', tempPasswordExpiresAt: T0 + DAY });
      await h.store.auth.attempt(alice.id, T0 + 200, (a) => a.succeed({ login: true, consumeTemporary: true }));
      expect(await h.store.users.byId(alice.id)).toMatchObject({ lastLoginAt: T0 + 200, loginCount: 2, tempPasswordHash: null, tempPasswordExpiresAt: null, passwordHash: 'hash-of-alice' });
    });

    it('succeed without login clears the failures only', async () => {
      const { carol } = h.fx.user;
      await fail(carol.id, T0);
      await h.store.auth.attempt(carol.id, T0 + 1, (a) => a.succeed({ login: false, consumeTemporary: false }));
      expect(await h.store.auth.state(carol.id)).toBeUndefined();
      expect(await h.store.users.byId(carol.id)).toMatchObject({ lastLoginAt: null, loginCount: 0 });
    });

    it('fail and succeed publish user:<id>', async () => {
      const { alice } = h.fx.user;
      await expectTags(h.store, () => fail(alice.id, T0), [`user:${alice.id}`]);
      await expectTags(h.store, () => h.store.auth.attempt(alice.id, T0, (a) => a.succeed({ login: true, consumeTemporary: false })), [`user:${alice.id}`]);
    });

    it('a run that throws rejects the attempt and releases the account for the next one', async () => {
      const { alice } = h.fx.user;
      await expect(h.store.auth.attempt(alice.id, T0, async () => { throw new Error('verify blew up'); })).rejects.toThrow('verify blew up');
      expect(await h.store.auth.attempt(alice.id, T0, async (a) => a.user.username)).toBe('alice');
    });

    it('20 concurrent attempts failing on one account: counts 1..20 in order, never overlapping, locked at the threshold', async () => {
      const { alice } = h.fx.user;
      const policy: FailurePolicy = { resetAfterMs: DAY, lockFor: (n) => (n % 5 === 0 ? 60_000 : null) };
      let inside = 0;
      let overlap = 0;
      const seenBefore: number[] = [];
      const counted: number[] = [];
      const results = await Promise.all(
        range(20, 0).map((i) =>
          h.store.auth.attempt(alice.id, T0 + i, async (a) => {
            if (++inside > 1) overlap++;
            seenBefore.push(a.state?.count ?? 0);
            await sleep((i * 7) % 4); // a slow verify of varying length
            const s = await a.fail(policy);
            counted.push(s.count);
            inside--;
            return s;
          }),
        ),
      );
      expect(overlap).toBe(0);
      expect(seenBefore).toEqual(range(20, 0));
      expect(counted).toEqual(range(20));
      expect(results.map((r) => r!.count).sort((a, b) => a - b)).toEqual(range(20));
      const locked = results.filter((r) => r!.lockedUntil !== null);
      expect(locked.map((r) => r!.count).sort((a, b) => a - b)).toEqual([5, 10, 15, 20]);
      for (const r of locked) expect(r!.lockedUntil).toBe(r!.lastFailureAt + 60_000);
      expect((await h.store.auth.state(alice.id))!.count).toBe(20);
    });

    it('attempts on different accounts do not wait for each other', async () => {
      const { alice, bob } = h.fx.user;
      let release!: () => void;
      const bobDone = new Promise<void>((r) => (release = r));
      // Alice's run only ends once Bob's has run: a lock shared between accounts would never finish.
      const a = h.store.auth.attempt(alice.id, T0, async (x) => {
        await bobDone;
        return x.fail(never);
      });
      await sleep(5);
      const b = h.store.auth.attempt(bob.id, T0, async (x) => {
        const s = await x.fail(never);
        release();
        return s;
      });
      const timeout = sleep(5000).then(() => 'timed out');
      expect(await Promise.race([Promise.all([a, b]).then((r) => r.map((s) => s!.count)), timeout])).toEqual([1, 1]);
    });
  });

  describe('auth.state and auth.clear', () => {
    it('clear removes the counter (a hard lock included): true, then false; publishes user:<id>', async () => {
      const { alice } = h.fx.user;
      expect(await h.store.auth.clear(alice.id)).toBe(false);
      await fail(alice.id, T0, { resetAfterMs: DAY, lockFor: () => Number.MAX_SAFE_INTEGER });
      await expectTags(h.store, async () => expect(await h.store.auth.clear(alice.id)).toBe(true), [`user:${alice.id}`]);
      expect(await h.store.auth.state(alice.id)).toBeUndefined();
      expect(await h.store.auth.clear(alice.id)).toBe(false);
    });

    it('state of a user without failures (or unknown) is undefined', async () => {
      expect(await h.store.auth.state(h.fx.user.bob.id)).toBeUndefined();
      expect(await h.store.auth.state(9999)).toBeUndefined();
    });
  });
}
