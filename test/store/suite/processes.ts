import { describe, expect, it } from 'vitest';
import type { FailurePolicy, Tag } from '../../../src/store/store.ts';
import { allow, DAY, T0, type Harness } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

/** Two instances on one database, as two gateway processes (skipped for adapters without `twin`). */
export function processesSuite(h: Harness) {
  describe('two instances on one database', () => {
    it('20 concurrent attempts failing on one account through two instances: counts 1..20 in order, never overlapping', async (ctx) => {
      const other = await h.twin();
      if (!other) return ctx.skip();
      const { alice } = h.fx.user;
      const policy: FailurePolicy = { resetAfterMs: DAY, lockFor: (n) => (n % 5 === 0 ? 60_000 : null) };
      let inside = 0;
      let overlap = 0;
      const counted: number[] = [];
      const results = await Promise.all(
        range(20, 0).map((i) =>
          (i % 2 ? other : h.store).auth.attempt(alice.id, T0 + i, async (a) => {
            if (++inside > 1) overlap++;
            await sleep(i % 3);
            const s = await a.fail(policy);
            counted.push(s.count);
            inside--;
            return s;
          }),
        ),
      );
      expect(overlap).toBe(0);
      expect(counted).toEqual(range(20));
      expect(results.filter((r) => r!.lockedUntil !== null).map((r) => r!.count).sort((a, b) => a - b)).toEqual([5, 10, 15, 20]);
      expect((await other.auth.state(alice.id))!.count).toBe(20);
    });

    it('10 simultaneous rotations of one jti through two instances: exactly one rotated', async (ctx) => {
      const other = await h.twin();
      if (!other) return ctx.skip();
      const { alice } = h.fx.user;
      await h.store.sessions.start({ id: 's1', userId: alice.id, audience: 'a', currentJti: 'j0', createdAt: T0, expiresAt: T0 + DAY });
      const verdicts = await Promise.all(range(10, 0).map((i) => (i % 2 ? other : h.store).sessions.rotate('s1', 'j0', `j1-${i}`, T0 + 1, DAY, 10_000)));
      const kinds = verdicts.map((v) => v.kind).sort();
      expect(kinds).toEqual(['grace', 'grace', 'grace', 'grace', 'grace', 'grace', 'grace', 'grace', 'grace', 'rotated']);
    });

    it('a commit through one instance reaches the other\'s change feed', async (ctx) => {
      const other = await h.twin();
      if (!other) return ctx.skip();
      const { bob } = h.fx.user;
      const heard: Tag[] = [];
      other.feed.subscribe((t) => heard.push(...t));
      await h.store.users.update(bob.id, { status: 'inactive' }, undefined, T0, allow);
      const seen = () => heard.includes('all') || heard.includes(`user:${bob.id}`);
      for (let waited = 0; !seen() && waited < 3000; waited += 10) {
        other.feed.check(Date.now());
        await sleep(10);
      }
      expect(seen()).toBe(true);
      expect((await other.users.byId(bob.id))!.status).toBe('inactive');
    });
  });
}

