import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey, KeyUse } from '../store/store.ts';
import { clampPage, type CoreContext } from './context.ts';
import type { Audit } from './audit.ts';
import { assertNotApiKey, type Actor } from './actor.ts';
import { CoreError } from './errors.ts';
import { stampOf } from './ports.ts';
import { toUser, type User } from './users-view.ts';

export type { ApiKey, KeyUse };
export type ApiKeyStatus = 'active' | 'inactive' | 'expired';

const PREFIX = 'ak_';
const KEY_SHAPE = /^ak_[0-9a-f]{40}$/;
const DAY = 86_400_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface KeyStats {
  total: number;
  success: number;
  errors: number;
  daily: { date: string; requests: number }[];
  topEndpoints: { endpoint: string; count: number }[];
  lastUsedAt: number | null;
  lastIp: string | null;
}

type Found = { key: ApiKey; owner: User | undefined } | undefined;

/**
 * API keys: `ak_` + 40 hex characters (160 bits), shown once, stored as SHA-256 and compared in constant time.
 * Uses are queued in memory and written in batches (off the request path); `flush` writes them now.
 */
export function createApiKeys(ctx: CoreContext, audit: Audit, opts: { usageRetentionMs: number; flushEvery: number }) {
  const { store, clock, random, cache, policy } = ctx;
  let queue: KeyUse[] = [];
  let flushing: Promise<void> = Promise.resolve();

  /** Drops the queued uses and waits for a batch being written (a reset of the store: the keys go with it). */
  function discardQueued(): Promise<void> {
    queue = [];
    return flushing.catch(() => undefined);
  }

  const effectiveStatus = (k: ApiKey, now: number): ApiKeyStatus =>
    k.status === 'inactive' ? 'inactive' : k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active';

  /** Writes the queued uses; batches are written one after another, so none overtakes another. */
  function flush(): Promise<void> {
    if (queue.length === 0) return flushing;
    const batch = queue;
    queue = [];
    flushing = flushing.then(() => store.apiKeys.flushUsage(batch, stampOf(clock) - opts.usageRetentionMs));
    return flushing;
  }

  async function get(id: number): Promise<ApiKey> {
    const k = await store.apiKeys.byId(id);
    if (!k) throw new CoreError('not_found', { entity: 'api_key', id });
    return k;
  }

  /** Status and expiry are checked on every request; the owner must be active. */
  function judge(found: Found, digest: string): { key: ApiKey; owner: User } {
    // The lookup is by hash; the comparison of the stored hash is constant-time all the same.
    if (!found || !timingSafeEqual(Buffer.from(found.key.keyHash), Buffer.from(digest))) throw new CoreError('api_key_invalid');
    const status = effectiveStatus(found.key, clock.now());
    if (status === 'inactive') throw new CoreError('api_key_disabled');
    if (status === 'expired') throw new CoreError('api_key_expired');
    if (!found.owner || found.owner.status !== 'active') throw new CoreError('api_key_invalid', { reason: 'owner' });
    return { key: found.key, owner: found.owner };
  }

  return {
    effectiveStatus,
    get,
    find: (id: number) => store.apiKeys.byId(id),

    /** A key is a credential: a request made with a key may not create one (nor enable or delete one). */
    async create(userId: number, input: { name: string; description?: string | null; permissions: string[]; expiresInDays: number }, actor: Actor): Promise<{ key: string; record: ApiKey }> {
      assertNotApiKey(actor);
      const key = PREFIX + random.bytes(20).toString('hex');
      // Expiry in policy time, the record times as stamped (they differ under the control plane's virtual clock).
      const now = stampOf(clock);
      const record = await store.apiKeys.create({
        userId,
        name: input.name,
        description: input.description ?? null,
        keyHash: sha256(key),
        prefix: key.slice(0, 9),
        status: 'active',
        permissions: [...new Set(input.permissions)],
        expiresAt: clock.now() + input.expiresInDays * DAY,
        createdAt: now,
        updatedAt: now,
      });
      await audit.record('api_key.created', userId, input.name, { keyId: record.id });
      return { key, record };
    },

    list: (filter: { userId?: number; nameContains?: string; status?: ApiKeyStatus; page: number; pageSize: number }) =>
      store.apiKeys.list({ ...filter, ...clampPage(policy, filter.page, filter.pageSize), now: clock.now() }),

    async setStatus(id: number, status: 'active' | 'inactive', actor: Actor): Promise<ApiKey> {
      if (status === 'active') assertNotApiKey(actor);
      const k = await store.apiKeys.setStatus(id, status, stampOf(clock));
      if (!k) throw new CoreError('not_found', { entity: 'api_key', id });
      await audit.record(status === 'active' ? 'api_key.enabled' : 'api_key.disabled', k.userId, k.name, { keyId: id });
      return k;
    },

    async delete(id: number, actor: Actor): Promise<void> {
      assertNotApiKey(actor);
      const k = await store.apiKeys.delete(id);
      if (!k) throw new CoreError('not_found', { entity: 'api_key', id });
      await audit.record('api_key.deleted', k.userId, k.name, { keyId: id });
    },

    /** The key and its owner, or `api_key_invalid` / `api_key_disabled` / `api_key_expired`. Synchronous on a hit. */
    authenticate(key: string): { key: ApiKey; owner: User } | Promise<{ key: ApiKey; owner: User }> {
      const digest = sha256(key);
      const found = cache.remember(`key|${digest}`, ['keys', 'users'], async (): Promise<Found> => {
        const hit = KEY_SHAPE.test(key) ? await store.apiKeys.byHash(digest) : undefined;
        return hit && { key: hit.key, owner: hit.owner && toUser(hit.owner) };
      });
      return found instanceof Promise ? found.then((f) => judge(f, digest)) : judge(found, digest);
    },

    /** Records one use; written with the next batch. */
    recordUse(use: KeyUse): void {
      queue.push(use);
      if (queue.length >= opts.flushEvery) void flush();
    },

    flush,
    discardQueued,

    async stats(id: number, rangeMs: number): Promise<KeyStats> {
      await flush();
      const k = await get(id);
      // Uses are stamped (v1auth: stampOf), so their figures are counted on the same clock.
      const now = stampOf(clock);
      const since = now - rangeMs;
      const s = await store.apiKeys.stats(id, since);
      const perDay = new Map<string, number>();
      const day = (t: number) => new Date(t).toISOString().slice(0, 10);
      for (let t = since; t <= now; t += DAY) perDay.set(day(t), 0);
      perDay.set(day(now), perDay.get(day(now)) ?? 0);
      for (const [d, n] of s.perDay) perDay.set(d, (perDay.get(d) ?? 0) + n);
      return {
        total: s.total,
        success: s.success,
        errors: s.total - s.success,
        daily: [...perDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, requests]) => ({ date, requests })),
        topEndpoints: s.topEndpoints,
        lastUsedAt: k.lastUsedAt,
        lastIp: k.lastIp,
      };
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
