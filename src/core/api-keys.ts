import { and, asc, count, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { createHash, timingSafeEqual } from 'node:crypto';
import { apiKeys, apiKeyUsage, users } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';
import type { Audit } from './audit.ts';
import { assertNotApiKey, type Actor } from './actor.ts';
import { CoreError } from './errors.ts';
import { toUser, type User } from './users-view.ts';

export type ApiKey = typeof apiKeys.$inferSelect;
export type ApiKeyStatus = 'active' | 'inactive' | 'expired';

const PREFIX = 'ak_';
const KEY_SHAPE = /^ak_[0-9a-f]{40}$/;
const DAY = 86_400_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface KeyUse {
  keyId: number;
  endpoint: string;
  status: number;
  ip: string | null;
  at: number;
}

export interface KeyStats {
  total: number;
  success: number;
  errors: number;
  daily: { date: string; requests: number }[];
  topEndpoints: { endpoint: string; count: number }[];
  lastUsedAt: number | null;
  lastIp: string | null;
}

/**
 * API keys: `ak_` + 40 hex characters (160 bits), shown once, stored as SHA-256 and compared in constant time.
 * Uses are queued in memory and written in batches (off the request path); `flush` writes them now.
 */
export function createApiKeys(ctx: CoreContext, audit: Audit, opts: { usageRetentionMs: number; flushEvery: number }) {
  const { db, clock, random, cache } = ctx;
  let queue: KeyUse[] = [];

  const effectiveStatus = (k: ApiKey, now: number): ApiKeyStatus =>
    k.status === 'inactive' ? 'inactive' : k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active';

  function flush(): void {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    db.transaction(() => {
      // A key deleted since its use was queued takes its uses with it.
      const ids = [...new Set(batch.map((u) => u.keyId))];
      const alive = new Set(db.select({ id: apiKeys.id }).from(apiKeys).where(inArray(apiKeys.id, ids)).all().map((r) => r.id));
      for (const u of batch) if (alive.has(u.keyId)) db.insert(apiKeyUsage).values(u).run();
      const last = new Map<number, KeyUse>();
      for (const u of batch) last.set(u.keyId, u);
      for (const u of last.values()) if (alive.has(u.keyId)) db.update(apiKeys).set({ lastUsedAt: u.at, lastIp: u.ip }).where(eq(apiKeys.id, u.keyId)).run();
      db.delete(apiKeyUsage).where(lt(apiKeyUsage.at, clock.now() - opts.usageRetentionMs)).run();
    });
  }

  function get(id: number): ApiKey {
    const k = db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!k) throw new CoreError('not_found', { entity: 'api_key', id });
    return k;
  }

  return {
    effectiveStatus,
    get,
    find: (id: number) => db.select().from(apiKeys).where(eq(apiKeys.id, id)).get(),

    /** A key is a credential: a request made with a key may not create one (nor enable or delete one). */
    create(userId: number, input: { name: string; description?: string | null; permissions: string[]; expiresInDays: number }, actor: Actor): { key: string; record: ApiKey } {
      assertNotApiKey(actor);
      const key = PREFIX + random.bytes(20).toString('hex');
      const now = clock.now();
      const record = db
        .insert(apiKeys)
        .values({
          userId,
          name: input.name,
          description: input.description ?? null,
          keyHash: sha256(key),
          prefix: key.slice(0, 9),
          status: 'active',
          permissions: [...new Set(input.permissions)],
          expiresAt: now + input.expiresInDays * DAY,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      audit.record('api_key.created', userId, input.name, { keyId: record.id });
      return { key, record };
    },

    list(filter: { userId?: number; nameContains?: string; status?: ApiKeyStatus; page: number; pageSize: number }): { total: number; items: ApiKey[] } {
      const now = clock.now();
      const conds: SQL[] = [];
      if (filter.userId !== undefined) conds.push(eq(apiKeys.userId, filter.userId));
      if (filter.nameContains) conds.push(sql`${apiKeys.name} like ${'%' + filter.nameContains.replace(/[\\%_]/g, (c) => '\\' + c) + '%'} escape '\\'`);
      if (filter.status === 'inactive') conds.push(eq(apiKeys.status, 'inactive'));
      if (filter.status === 'expired') conds.push(and(eq(apiKeys.status, 'active'), lt(apiKeys.expiresAt, now + 1))!);
      if (filter.status === 'active') conds.push(and(eq(apiKeys.status, 'active'), sql`(${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > ${now})`)!);
      const where = conds.length ? and(...conds) : undefined;
      const total = db.select({ n: count() }).from(apiKeys).where(where).get()?.n ?? 0;
      const items = db
        .select()
        .from(apiKeys)
        .where(where)
        .orderBy(asc(apiKeys.id))
        .limit(filter.pageSize)
        .offset((filter.page - 1) * filter.pageSize)
        .all();
      return { total, items };
    },

    setStatus(id: number, status: 'active' | 'inactive', actor: Actor): ApiKey {
      if (status === 'active') assertNotApiKey(actor);
      get(id);
      const k = db.update(apiKeys).set({ status, updatedAt: clock.now() }).where(eq(apiKeys.id, id)).returning().get()!;
      audit.record(status === 'active' ? 'api_key.enabled' : 'api_key.disabled', k.userId, k.name, { keyId: id });
      return k;
    },

    delete(id: number, actor: Actor): void {
      assertNotApiKey(actor);
      const k = get(id);
      db.delete(apiKeys).where(eq(apiKeys.id, id)).run();
      audit.record('api_key.deleted', k.userId, k.name, { keyId: id });
    },

    /** Every key of a user stops working (the user was disabled). */
    disableAllOf(userId: number): void {
      db.update(apiKeys).set({ status: 'inactive', updatedAt: clock.now() }).where(and(eq(apiKeys.userId, userId), eq(apiKeys.status, 'active'))).run();
    },

    /** The key and its owner, or `api_key_invalid` / `api_key_disabled` / `api_key_expired`. */
    authenticate(key: string): { key: ApiKey; owner: User } {
      const digest = sha256(key);
      // The key and its owner are remembered until the store changes; status and expiry are checked every time.
      const found = cache.remember(`key|${digest}`, () => {
        const row = KEY_SHAPE.test(key) ? db.select().from(apiKeys).where(eq(apiKeys.keyHash, digest)).get() : undefined;
        const owner = row && db.select().from(users).where(eq(users.id, row.userId)).get();
        return row ? { row, owner: owner ? toUser(owner) : undefined } : undefined;
      });
      // The lookup is by hash; the comparison of the stored hash is constant-time all the same.
      if (!found || !timingSafeEqual(Buffer.from(found.row.keyHash), Buffer.from(digest))) throw new CoreError('api_key_invalid');
      const status = effectiveStatus(found.row, clock.now());
      if (status === 'inactive') throw new CoreError('api_key_disabled');
      if (status === 'expired') throw new CoreError('api_key_expired');
      if (!found.owner || found.owner.status !== 'active') throw new CoreError('api_key_invalid', { reason: 'owner' });
      return { key: found.row, owner: found.owner };
    },

    /** Records one use; written with the next batch. */
    recordUse(use: KeyUse): void {
      queue.push(use);
      if (queue.length >= opts.flushEvery) flush();
    },

    flush,

    stats(id: number, rangeMs: number): KeyStats {
      flush();
      const k = get(id);
      const now = clock.now();
      const since = now - rangeMs;
      const inRange = and(eq(apiKeyUsage.keyId, id), gte(apiKeyUsage.at, since));
      const totals = db
        .select({ total: count(), success: sql<number>`coalesce(sum(case when ${apiKeyUsage.status} < 400 then 1 else 0 end), 0)` })
        .from(apiKeyUsage)
        .where(inRange)
        .get()!;
      const rows = db.select({ at: apiKeyUsage.at }).from(apiKeyUsage).where(inRange).all();
      const perDay = new Map<string, number>();
      for (let t = since; t <= now; t += DAY) perDay.set(new Date(t).toISOString().slice(0, 10), 0);
      perDay.set(new Date(now).toISOString().slice(0, 10), perDay.get(new Date(now).toISOString().slice(0, 10)) ?? 0);
      for (const r of rows) {
        const d = new Date(r.at).toISOString().slice(0, 10);
        perDay.set(d, (perDay.get(d) ?? 0) + 1);
      }
      const top = db
        .select({ endpoint: apiKeyUsage.endpoint, count: count() })
        .from(apiKeyUsage)
        .where(inRange)
        .groupBy(apiKeyUsage.endpoint)
        .orderBy(desc(count()), asc(apiKeyUsage.endpoint))
        .limit(10)
        .all();
      return {
        total: totals.total,
        success: Number(totals.success),
        errors: totals.total - Number(totals.success),
        daily: [...perDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, requests]) => ({ date, requests })),
        topEndpoints: top,
        lastUsedAt: k.lastUsedAt,
        lastIp: k.lastIp,
      };
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
