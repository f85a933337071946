import { describe, expect, it } from 'vitest';
import type { KeyUse } from '../../../src/store/store.ts';
import { DAY, expectTags, newKey, recordTags, T0, type Harness } from './harness.ts';

const use = (keyId: number, at: number, over: Partial<KeyUse> = {}): KeyUse => ({ keyId, endpoint: '/users', status: 200, ip: '10.0.0.1', at, ...over });
const knames = (ks: { name: string }[]) => ks.map((k) => k.name);

export function apiKeysSuite(h: Harness) {
  describe('apiKeys: create and lookups', () => {
    it('create stores the row (permissions as a list, never used yet); publishes key:<id> and keys', async () => {
      const { alice } = h.fx.user;
      const row = newKey(alice.id, 'ci', { description: 'for CI', permissions: ['users:read', 'keys:read'], expiresAt: T0 + DAY });
      const { tags, result: k } = await recordTags(h.store, () => h.store.apiKeys.create(row));
      expect(k).toEqual({ ...row, id: k.id, lastUsedAt: null, lastIp: null });
      expect(tags).toEqual(expect.arrayContaining([`key:${k.id}`, 'keys']));
      expect(await h.store.apiKeys.byId(k.id)).toEqual(k);
      expect(await h.store.apiKeys.byId(9999)).toBeUndefined();
      const empty = await h.store.apiKeys.create(newKey(alice.id, 'none', { permissions: [] }));
      expect((await h.store.apiKeys.byId(empty.id))!.permissions).toEqual([]);
    });

    it('byHash: the key and its owner row; an unknown digest: undefined', async () => {
      const { bob } = h.fx.user;
      const k = await h.store.apiKeys.create(newKey(bob.id, 'b'));
      expect(await h.store.apiKeys.byHash(k.keyHash)).toEqual({ key: k, owner: bob });
      expect(await h.store.apiKeys.byHash('0'.repeat(64))).toBeUndefined();
    });
  });

  describe('apiKeys.list', () => {
    it('by id, paged, filtered by user, name (case-insensitive, % and _ literal) and effective status at now', async () => {
      const { alice, bob } = h.fx.user;
      const now = T0 + 1000;
      const k1 = await h.store.apiKeys.create(newKey(alice.id, 'Deploy_Key'));
      const k2 = await h.store.apiKeys.create(newKey(alice.id, 'deployXkey', { status: 'inactive' }));
      const k3 = await h.store.apiKeys.create(newKey(alice.id, '100%', { expiresAt: now }));
      const k4 = await h.store.apiKeys.create(newKey(bob.id, 'bobs', { expiresAt: now + 1 }));
      const k5 = await h.store.apiKeys.create(newKey(bob.id, 'old-off', { status: 'inactive', expiresAt: T0 }));
      const list = async (f: object) => {
        const r = await h.store.apiKeys.list({ page: 1, pageSize: 10, now, ...f });
        return [r.total, knames(r.items)];
      };
      expect(await list({})).toEqual([5, ['Deploy_Key', 'deployXkey', '100%', 'bobs', 'old-off']]);
      expect(await h.store.apiKeys.list({ page: 2, pageSize: 2, now })).toEqual({ total: 5, items: [k3, k4] });
      expect(await list({ userId: bob.id })).toEqual([2, ['bobs', 'old-off']]);
      expect(await list({ nameContains: 'DEPLOY' })).toEqual([2, ['Deploy_Key', 'deployXkey']]);
      expect(await list({ nameContains: 'y_k' })).toEqual([1, ['Deploy_Key']]);
      expect(await list({ nameContains: '%' })).toEqual([1, ['100%']]);
      // expired: active and expiresAt <= now; active: no expiry or later; inactive wins over expiry.
      expect(await list({ status: 'expired' })).toEqual([1, ['100%']]);
      expect(await list({ status: 'active' })).toEqual([2, ['Deploy_Key', 'bobs']]);
      expect(await list({ status: 'inactive' })).toEqual([2, ['deployXkey', 'old-off']]);
      expect(await list({ status: 'active', userId: alice.id, nameContains: 'key' })).toEqual([1, ['Deploy_Key']]);
      expect([k1, k2, k5].every((k) => typeof k.id === 'number')).toBe(true);
    });
  });

  describe('apiKeys: status and delete', () => {
    it('setStatus returns the updated key (updatedAt = now) and publishes; an unknown id: undefined', async () => {
      const { alice } = h.fx.user;
      const k = await h.store.apiKeys.create(newKey(alice.id, 'k'));
      const { tags, result } = await recordTags(h.store, () => h.store.apiKeys.setStatus(k.id, 'inactive', T0 + 5));
      expect(result).toEqual({ ...k, status: 'inactive', updatedAt: T0 + 5 });
      expect(tags).toEqual(expect.arrayContaining([`key:${k.id}`, 'keys']));
      expect(await h.store.apiKeys.setStatus(k.id, 'active', T0 + 6)).toEqual({ ...k, status: 'active', updatedAt: T0 + 6 });
      expect(await h.store.apiKeys.setStatus(9999, 'active', T0)).toBeUndefined();
    });

    it('delete returns the deleted key and publishes; its uses go with it; an unknown id: undefined', async () => {
      const { alice } = h.fx.user;
      const k = await h.store.apiKeys.create(newKey(alice.id, 'k'));
      await h.store.apiKeys.flushUsage([use(k.id, T0)], 0);
      const deleted = await h.store.apiKeys.byId(k.id);
      await expectTags(h.store, async () => expect(await h.store.apiKeys.delete(k.id)).toEqual(deleted), [`key:${k.id}`, 'keys']);
      expect(await h.store.apiKeys.byId(k.id)).toBeUndefined();
      expect(await h.store.apiKeys.byHash(k.keyHash)).toBeUndefined();
      expect((await h.store.apiKeys.stats(k.id, 0)).total).toBe(0);
      expect(await h.store.apiKeys.delete(k.id)).toBeUndefined();
    });
  });

  describe('apiKeys: usage', () => {
    it('flushUsage: uses of live keys inserted, each key stamped with its last use, uses of vanished keys dropped, old rows pruned; publishes nothing', async () => {
      const { alice } = h.fx.user;
      const a = await h.store.apiKeys.create(newKey(alice.id, 'a'));
      const b = await h.store.apiKeys.create(newKey(alice.id, 'b'));
      await h.store.apiKeys.flushUsage([use(a.id, T0 - 10 * DAY)], 0);
      const { tags } = await recordTags(h.store, () =>
        h.store.apiKeys.flushUsage(
          [use(a.id, T0 + 1, { ip: '1.1.1.1' }), use(b.id, T0 + 2, { ip: null }), use(9999, T0 + 3), use(a.id, T0 + 4, { ip: '2.2.2.2', status: 500 })],
          T0 - DAY,
        ),
      );
      expect(tags).toEqual([]);
      expect(await h.store.apiKeys.byId(a.id)).toMatchObject({ lastUsedAt: T0 + 4, lastIp: '2.2.2.2', updatedAt: T0 });
      expect(await h.store.apiKeys.byId(b.id)).toMatchObject({ lastUsedAt: T0 + 2, lastIp: null });
      // The use 10 days old was pruned (older than pruneBefore); the new ones stay.
      expect((await h.store.apiKeys.stats(a.id, 0)).total).toBe(2);
      expect((await h.store.apiKeys.stats(b.id, 0)).total).toBe(1);
      await h.store.apiKeys.flushUsage([], T0 + 3);
      expect((await h.store.apiKeys.stats(a.id, 0)).total).toBe(1);
    });

    it('stats since a time: total, success (< 400), uses per UTC day, top endpoints by count then name', async () => {
      const { alice } = h.fx.user;
      const k = await h.store.apiKeys.create(newKey(alice.id, 'k'));
      const other = await h.store.apiKeys.create(newKey(alice.id, 'other'));
      const day1 = Date.UTC(2025, 0, 1, 23, 59, 59, 999);
      const day2 = Date.UTC(2025, 0, 2);
      await h.store.apiKeys.flushUsage(
        [
          use(k.id, day1 - DAY, { endpoint: '/too-old' }),
          use(k.id, day1, { endpoint: '/b', status: 399 }),
          use(k.id, day1, { endpoint: '/a', status: 400 }),
          use(k.id, day2, { endpoint: '/b', status: 201 }),
          use(k.id, day2 + 5, { endpoint: '/c', status: 503 }),
          use(k.id, day2 + 6, { endpoint: '/a' }),
          use(other.id, day2, { endpoint: '/z' }),
        ],
        0,
      );
      const s = await h.store.apiKeys.stats(k.id, day1);
      expect([s.total, s.success]).toEqual([5, 3]);
      expect([...s.perDay].sort()).toEqual([
        ['2025-01-01', 2],
        ['2025-01-02', 3],
      ]);
      expect(s.topEndpoints).toEqual([
        { endpoint: '/a', count: 2 },
        { endpoint: '/b', count: 2 },
        { endpoint: '/c', count: 1 },
      ]);
      const none = await h.store.apiKeys.stats(k.id, day2 + 7);
      expect([none.total, none.success, none.perDay.size, none.topEndpoints]).toEqual([0, 0, 0, []]);
    });

    it('stats keeps the ten most used endpoints', async () => {
      const { alice } = h.fx.user;
      const k = await h.store.apiKeys.create(newKey(alice.id, 'k'));
      const batch: KeyUse[] = [];
      for (let e = 0; e < 12; e++) for (let n = 0; n <= e; n++) batch.push(use(k.id, T0 + n, { endpoint: `/e${String(e).padStart(2, '0')}` }));
      await h.store.apiKeys.flushUsage(batch, 0);
      const s = await h.store.apiKeys.stats(k.id, T0);
      expect(s.topEndpoints.map((t) => t.endpoint)).toEqual(['/e11', '/e10', '/e09', '/e08', '/e07', '/e06', '/e05', '/e04', '/e03', '/e02']);
      expect(s.topEndpoints[0]!.count).toBe(12);
    });
  });
}
