import { and, asc, count, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { ApiKeyStore, KeyUse, Tag } from '../store.ts';
import { contains, offsetOf, type Conn, type Ctx } from './conn.ts';
import { apiKeys, apiKeyUsage, users } from './schema.ts';

/** Every active key of the user becomes inactive (the user was disabled): `key:<id>` each, and `keys`. */
export function disableKeysOf(c: Conn, userId: number, now: number, tags: Set<Tag>): void {
  const disabled = c
    .update(apiKeys)
    .set({ status: 'inactive', updatedAt: now })
    .where(and(eq(apiKeys.userId, userId), eq(apiKeys.status, 'active')))
    .returning({ id: apiKeys.id })
    .all();
  for (const k of disabled) tags.add(`key:${k.id}`);
  if (disabled.length) tags.add('keys');
}

/** API keys (stored as SHA-256 digests) and their usage. Key writes publish `key:<id>` and `keys`; usage nothing. */
export function createApiKeyStore({ db, write }: Ctx): ApiKeyStore {
  const keyById = db.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder('id'))).prepare();
  const keyByHash = db.select().from(apiKeys).where(eq(apiKeys.keyHash, sql.placeholder('digest'))).prepare();
  const userById = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();

  const published = (tags: Set<Tag>, id: number) => tags.add(`key:${id}`).add('keys');

  return {
    byId: async (id) => keyById.get({ id }),

    async byHash(digest) {
      return db.transaction(() => {
        const key = keyByHash.get({ digest });
        return key && { key, owner: userById.get({ id: key.userId }) };
      });
    },

    async create(row) {
      return write((tx, tags) => {
        const k = tx
          .insert(apiKeys)
          .values(row)
          .returning()
          .get();
        published(tags, k.id);
        return k;
      });
    },

    /** By id; `expired`: active but past its expiry at `now`; `active`: active and not expired. */
    async list(filter) {
      const { now } = filter;
      const conds: SQL[] = [];
      if (filter.userId !== undefined) conds.push(eq(apiKeys.userId, filter.userId));
      if (filter.nameContains) conds.push(contains(apiKeys.name, filter.nameContains));
      if (filter.status === 'inactive') conds.push(eq(apiKeys.status, 'inactive'));
      if (filter.status === 'expired') conds.push(and(eq(apiKeys.status, 'active'), lt(apiKeys.expiresAt, now + 1))!);
      if (filter.status === 'active') conds.push(and(eq(apiKeys.status, 'active'), sql`(${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > ${now})`)!);
      const where = conds.length ? and(...conds) : undefined;
      return db.transaction(() => ({
        total: db.select({ n: count() }).from(apiKeys).where(where).get()?.n ?? 0,
        items: db.select().from(apiKeys).where(where).orderBy(asc(apiKeys.id)).limit(filter.pageSize).offset(offsetOf(filter)).all(),
      }));
    },

    async setStatus(id, status, now) {
      return write((tx, tags) => {
        const k = tx.update(apiKeys).set({ status, updatedAt: now }).where(eq(apiKeys.id, id)).returning().get();
        if (k) published(tags, id);
        return k;
      });
    },

    async delete(id) {
      return write((tx, tags) => {
        const k = tx.delete(apiKeys).where(eq(apiKeys.id, id)).returning().get();
        if (k) published(tags, id);
        return k;
      });
    },

    async flushUsage(batch: KeyUse[], pruneBefore: number) {
      write((tx) => {
        // A key deleted since its use was queued takes its uses with it.
        const ids = [...new Set(batch.map((u) => u.keyId))];
        const alive = new Set(ids.length ? tx.select({ id: apiKeys.id }).from(apiKeys).where(inArray(apiKeys.id, ids)).all().map((r) => r.id) : []);
        const last = new Map<number, KeyUse>();
        for (const u of batch) {
          if (!alive.has(u.keyId)) continue;
          tx.insert(apiKeyUsage).values({ keyId: u.keyId, endpoint: u.endpoint, status: u.status, ip: u.ip, at: u.at }).run();
          last.set(u.keyId, u);
        }
        for (const u of last.values()) tx.update(apiKeys).set({ lastUsedAt: u.at, lastIp: u.ip }).where(eq(apiKeys.id, u.keyId)).run();
        tx.delete(apiKeyUsage).where(lt(apiKeyUsage.at, pruneBefore)).run();
      });
    },

    /** Uses at or after `since`: totals (success: status < 400), per UTC day (days with uses), top 10 endpoints. */
    async stats(id, since) {
      const inRange = and(eq(apiKeyUsage.keyId, id), gte(apiKeyUsage.at, since));
      return db.transaction(() => {
        const totals = db
          .select({ total: count(), success: sql<number>`coalesce(sum(case when ${apiKeyUsage.status} < 400 then 1 else 0 end), 0)` })
          .from(apiKeyUsage)
          .where(inRange)
          .get()!;
        const day = sql<string>`strftime('%Y-%m-%d', ${apiKeyUsage.at} / 1000, 'unixepoch')`;
        const days = db.select({ day, n: count() }).from(apiKeyUsage).where(inRange).groupBy(day).orderBy(day).all();
        const topEndpoints = db
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
          perDay: new Map(days.map((d) => [d.day, d.n])),
          topEndpoints,
        };
      });
    },
  };
}
