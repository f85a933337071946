import { describe, expect, it } from 'vitest';
import { allow, DAY, expectTags, recordTags, T0, type Harness } from './harness.ts';

const TTL = 3600_000;
const GRACE = 10_000;

export function sessionsSuite(h: Harness) {
  const start = (userId: number, id: string, over: { jti?: string; createdAt?: number; expiresAt?: number } = {}) =>
    h.store.sessions.start({ id, userId, audience: 'aud', currentJti: over.jti ?? `${id}-j0`, createdAt: over.createdAt ?? T0, expiresAt: over.expiresAt ?? T0 + DAY });
  const rotate = (sessionId: string, jti: string, next: string, now: number) => h.store.sessions.rotate(sessionId, jti, next, now, TTL, GRACE);

  describe('sessions.start and byId', () => {
    it('a started session reads back whole and live; publishes session:<id>', async () => {
      const { alice } = h.fx.user;
      await expectTags(h.store, () => start(alice.id, 's1', { jti: 'j0', createdAt: T0 + 1, expiresAt: T0 + 99 }), ['session:s1']);
      expect(await h.store.sessions.byId('s1')).toEqual({
        id: 's1',
        userId: alice.id,
        audience: 'aud',
        currentJti: 'j0',
        createdAt: T0 + 1,
        expiresAt: T0 + 99,
        revokedAt: null,
        revokedReason: null,
      });
      expect(await h.store.sessions.byId('nope')).toBeUndefined();
    });
  });

  describe('sessions.rotate', () => {
    it('rotated: the current jti is spent, its successor current, expiresAt = now + ttl; the user row is returned', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 's1', { jti: 'j0' });
      const { tags, result } = await recordTags(h.store, () => rotate('s1', 'j0', 'j1', T0 + 100));
      expect(result).toEqual({
        kind: 'rotated',
        user: alice,
        session: { id: 's1', userId: alice.id, audience: 'aud', currentJti: 'j1', createdAt: T0, expiresAt: T0 + 100 + TTL, revokedAt: null, revokedReason: null },
      });
      expect(await h.store.sessions.byId('s1')).toEqual((result as { session: unknown }).session);
      expect(tags).toContain('session:s1');
      expect((await rotate('s1', 'j1', 'j2', T0 + 200)).kind).toBe('rotated');
    });

    it('a spent jti within the grace window: grace (nothing changes); after it: reuse, and the family is revoked', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 's1', { jti: 'j0' });
      await rotate('s1', 'j0', 'j1', T0 + 100);
      expect(await rotate('s1', 'j0', 'x', T0 + 100 + GRACE)).toEqual({ kind: 'grace' });
      expect(await h.store.sessions.byId('s1')).toMatchObject({ currentJti: 'j1', revokedAt: null });
      const { tags, result } = await recordTags(h.store, () => rotate('s1', 'j0', 'x', T0 + 100 + GRACE + 1));
      expect(result).toEqual({ kind: 'reuse', userId: alice.id });
      expect(tags).toContain('session:s1');
      expect(await h.store.sessions.byId('s1')).toMatchObject({ revokedAt: T0 + 100 + GRACE + 1, revokedReason: 'refresh_reuse', currentJti: 'j1' });
      expect(await rotate('s1', 'j1', 'j2', T0 + 100 + GRACE + 2)).toEqual({ kind: 'revoked' });
    });

    it('invalid: an unknown session, a jti never issued, a jti spent in another session, a deleted user', async () => {
      const { alice, bob } = h.fx.user;
      await start(alice.id, 's1', { jti: 'j0' });
      await start(alice.id, 's2', { jti: 'k0' });
      await rotate('s2', 'k0', 'k1', T0 + 1);
      expect(await rotate('nope', 'j0', 'x', T0 + 2)).toEqual({ kind: 'invalid' });
      expect(await rotate('s1', 'never', 'x', T0 + 2)).toEqual({ kind: 'invalid' });
      expect(await rotate('s1', 'k0', 'x', T0 + 2)).toEqual({ kind: 'invalid' });
      expect(await h.store.sessions.byId('s1')).toMatchObject({ currentJti: 'j0', revokedAt: null });
      await start(bob.id, 'b1', { jti: 'b0' });
      await h.store.users.delete(bob.id, allow);
      expect(await rotate('b1', 'b0', 'x', T0 + 3)).toEqual({ kind: 'invalid' });
    });

    it('disabled (a user not active, heard before the revocation that came with it), revoked, expired at expiresAt', async () => {
      const { alice, bob, carol } = h.fx.user;
      await start(alice.id, 's1', { jti: 'j0' });
      await h.store.users.update(alice.id, { status: 'inactive' }, undefined, T0 + 1, allow);
      expect(await rotate('s1', 'j0', 'x', T0 + 2)).toEqual({ kind: 'disabled' });
      await start(carol.id, 'c1', { jti: 'c0' });
      expect(await rotate('c1', 'c0', 'x', T0 + 2)).toEqual({ kind: 'disabled' });
      await start(bob.id, 'b1', { jti: 'b0' });
      await h.store.sessions.revoke('b1', T0 + 3, 'logout');
      expect(await rotate('b1', 'b0', 'x', T0 + 4)).toEqual({ kind: 'revoked' });
      await start(bob.id, 'b2', { jti: 'e0', expiresAt: T0 + 500 });
      expect(await rotate('b2', 'e0', 'x', T0 + 500)).toEqual({ kind: 'expired' });
      expect((await rotate('b2', 'e0', 'x', T0 + 499)).kind).toBe('rotated');
    });

    it('10 simultaneous rotations of one jti: exactly one rotated, the rest grace; a reuse after the grace revokes the session', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 's1', { jti: 'j0' });
      const now = T0 + 1000;
      const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => rotate('s1', 'j0', `j1-${i}`, now)));
      const kinds = verdicts.map((v) => v.kind);
      expect(kinds.filter((k) => k === 'rotated')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'grace')).toHaveLength(9);
      const winner = kinds.indexOf('rotated');
      expect(await h.store.sessions.byId('s1')).toMatchObject({ currentJti: `j1-${winner}`, expiresAt: now + TTL, revokedAt: null });
      expect(await rotate('s1', 'j0', 'late', now + GRACE + 1)).toEqual({ kind: 'reuse', userId: alice.id });
      expect(await h.store.sessions.byId('s1')).toMatchObject({ revokedAt: now + GRACE + 1, revokedReason: 'refresh_reuse' });
      expect(await rotate('s1', `j1-${winner}`, 'j2', now + GRACE + 2)).toEqual({ kind: 'revoked' });
    });
  });

  describe('sessions.revoke and extend', () => {
    it('revoke ends a live session and returns its user; a revoked or unknown one: undefined, unchanged', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 's1');
      const { tags, result } = await recordTags(h.store, () => h.store.sessions.revoke('s1', T0 + 5, 'logout'));
      expect(result).toBe(alice.id);
      expect(tags).toContain('session:s1');
      expect(await h.store.sessions.byId('s1')).toMatchObject({ revokedAt: T0 + 5, revokedReason: 'logout' });
      expect(await h.store.sessions.revoke('s1', T0 + 6, 'again')).toBeUndefined();
      expect(await h.store.sessions.byId('s1')).toMatchObject({ revokedAt: T0 + 5, revokedReason: 'logout' });
      expect(await h.store.sessions.revoke('nope', T0, 'x')).toBeUndefined();
    });

    it('extend: expiresAt = max(expiresAt, until); publishes session:<id> when it moved', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 's1', { expiresAt: T0 + 1000 });
      await h.store.sessions.extend('s1', T0 + 500);
      expect((await h.store.sessions.byId('s1'))!.expiresAt).toBe(T0 + 1000);
      await expectTags(h.store, () => h.store.sessions.extend('s1', T0 + 2000), ['session:s1']);
      expect((await h.store.sessions.byId('s1'))!.expiresAt).toBe(T0 + 2000);
      await h.store.sessions.extend('nope', T0 + 2000); // nothing to extend, no error
    });
  });

  describe('sessions.deny and isDenied', () => {
    it('a denied jti is denied (twice is harmless); publishes jti:<jti>', async () => {
      expect(await h.store.sessions.isDenied('j1')).toBe(false);
      await expectTags(h.store, () => h.store.sessions.deny('j1', T0 + 100), ['jti:j1']);
      await h.store.sessions.deny('j1', T0 + 100);
      expect(await h.store.sessions.isDenied('j1')).toBe(true);
      expect(await h.store.sessions.isDenied('j2')).toBe(false);
    });
  });

  describe('sessions.prune', () => {
    it('drops sessions (with their spent tokens) and denied jtis that expired before now; keeps the rest', async () => {
      const { alice } = h.fx.user;
      await start(alice.id, 'old1', { jti: 'o0', expiresAt: T0 + 10 });
      await rotate('old1', 'o0', 'o1', T0 + 1);
      await start(alice.id, 'old2', { expiresAt: T0 + 99 });
      await start(alice.id, 'edge', { expiresAt: T0 + 100 });
      await start(alice.id, 'live', { expiresAt: T0 + DAY });
      await h.store.sessions.deny('d-old', T0 + 50);
      await h.store.sessions.deny('d-edge', T0 + 100);
      await h.store.sessions.deny('d-live', T0 + DAY);
      // old1 was extended by its rotation to T0 + 1 + TTL: it is live.
      expect(await h.store.sessions.prune(T0 + 100)).toEqual({ sessions: 1, denied: 1 });
      expect(await h.store.sessions.byId('old2')).toBeUndefined();
      for (const id of ['old1', 'edge', 'live']) expect(await h.store.sessions.byId(id)).toBeDefined();
      expect(await h.store.sessions.isDenied('d-old')).toBe(false);
      expect(await h.store.sessions.isDenied('d-edge')).toBe(true);
      expect(await h.store.sessions.isDenied('d-live')).toBe(true);
      // The rotated family goes with its spent token: nothing of it is left to be reused.
      expect(await h.store.sessions.prune(T0 + 2 + TTL)).toEqual({ sessions: 2, denied: 1 });
      expect(await h.store.sessions.byId('old1')).toBeUndefined();
      expect(await rotate('old1', 'o0', 'x', T0 + 3 + TTL)).toEqual({ kind: 'invalid' });
      expect(await h.store.sessions.prune(T0 + 2 + TTL)).toEqual({ sessions: 0, denied: 0 });
    });
  });
}
