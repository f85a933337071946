import { and, asc, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { ApiKeyStore, KeyUse, Tag } from '../store.ts';
import { anyInt, contains, offsetOf, snapshot, type Ctx, type Tx } from './conn.ts';
import { apiKeys, apiKeyUsage, users } from './schema.ts';

/** Every active key of the user becomes inactive (the user was disabled): `key:<id>` each, and `keys`. */
export async function disableKeysOf(tx: Tx, userId: number, now: number, tags: Set<Tag>): Promise<void> {
  const disabled = await tx
    .update(apiKeys)
    .set({ status: 'inactive', updatedAt: now })
    .where(and(eq(apiKeys.userId, userId), eq(apiKeys.status, 'active')))
    .returning({ id: apiKeys.id });
  for (const k of disabled) tags.add(`key:${k.id}`);
  if (disabled.length) tags.add('keys');
}

const DAY = sql<string>`to_char(to_timestamp(${apiKeyUsage.at} / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`;

/** API keys (stored as SHA-256 digests) and their usage. Key writes publish `key:<id>` and `keys`; usage nothing. */
export function createApiKeyStore({ db, write }: Ctx): ApiKeyStore {
  const keyById = db.select().from(apiKeys).where(eq(apiKeys.id, sql.placeholder('id'))).prepare('dg_key_by_id');
  // The key and its owner in one statement, so from one snapshot.
  const keyByHash = db
    .select({ key: apiKeys, owner: users })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, sql.placeholder('digest')))
    .prepare('dg_key_by_hash');

  const published = (tags: Set<Tag>, id: number) => tags.add(`key:${id}`).add('keys');

  return {
    byId: async (id) => (await keyById.execute({ id }))[0],

    async byHash(digest) {
      const [hit] = await keyByHash.execute({ digest });
      return hit && { key: hit.key, owner: hit.owner ?? undefined };
    },

    async create(row) {
      return write(async (tx, tags) => {
        const [k] = await tx
          .insert(apiKeys)
          .values(row)
          .returning();
        published(tags, k!.id);
        return k!;
      });
    },

    /** By id; `expired`: active but past its expiry at `now`; `active`: active and not expired. */
    list(filter) {
      const { now } = filter;
      const conds: SQL[] = [];
      if (filter.userId !== undefined) conds.push(eq(apiKeys.userId, filter.userId));
      if (filter.nameContains) conds.push(contains(apiKeys.name, filter.nameContains));
      if (filter.status === 'inactive') conds.push(eq(apiKeys.status, 'inactive'));
      if (filter.status === 'expired') conds.push(and(eq(apiKeys.status, 'active'), lt(apiKeys.expiresAt, now + 1))!);
      if (filter.status === 'active') conds.push(and(eq(apiKeys.status, 'active'), sql`(${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > ${now})`)!);
      const where = conds.length ? and(...conds) : undefined;
      return snapshot(db, async (tx) => ({
        total: (await tx.select({ n: count() }).from(apiKeys).where(where))[0]?.n ?? 0,
        items: await tx.select().from(apiKeys).where(where).orderBy(asc(apiKeys.id)).limit(filter.pageSize).offset(offsetOf(filter)),
      }));
    },

    async setStatus(id, status, now) {
      return write(async (tx, tags) => {
        const [k] = await tx.update(apiKeys).set({ status, updatedAt: now }).where(eq(apiKeys.id, id)).returning();
        if (k) published(tags, id);
        return k;
      });
    },

    async delete(id) {
      return write(async (tx, tags) => {
        const [k] = await tx.delete(apiKeys).where(eq(apiKeys.id, id)).returning();
        if (k) published(tags, id);
        return k;
      });
    },

    async flushUsage(batch: KeyUse[], pruneBefore: number) {
      await write(async (tx) => {
        // A key deleted since its use was queued takes its uses with it; the live ones are locked against a delete
        // until this commits (FOR KEY SHARE), so the inserts below never hit a vanished key.
        const ids = [...new Set(batch.map((u) => u.keyId))];
        const alive = new Set(ids.length ? (await tx.select({ id: apiKeys.id }).from(apiKeys).where(anyInt(apiKeys.id, ids)).for('key share')).map((r) => r.id) : []);
        const uses = batch.filter((u) => alive.has(u.keyId));
        // Multi-row inserts, in chunks well under PostgreSQL's 65535 parameters per statement.
        for (let i = 0; i < uses.length; i += 1000) {
          await tx.insert(apiKeyUsage).values(uses.slice(i, i + 1000).map((u) => ({ keyId: u.keyId, endpoint: u.endpoint, status: u.status, ip: u.ip, at: u.at })));
        }
        const last = new Map<number, KeyUse>();
        for (const u of uses) last.set(u.keyId, u);
        for (const u of last.values()) await tx.update(apiKeys).set({ lastUsedAt: u.at, lastIp: u.ip }).where(eq(apiKeys.id, u.keyId));
        await tx.delete(apiKeyUsage).where(lt(apiKeyUsage.at, pruneBefore));
      });
    },

    /** Uses at or after `since`: totals (success: status < 400), per UTC day (days with uses), top 10 endpoints. */
    stats(id, since) {
      const inRange = and(eq(apiKeyUsage.keyId, id), gte(apiKeyUsage.at, since));
      return snapshot(db, async (tx) => {
        const [totals] = await tx
          .select({ total: count(), success: sql<string>`coalesce(sum(case when ${apiKeyUsage.status} < 400 then 1 else 0 end), 0)` })
          .from(apiKeyUsage)
          .where(inRange);
        const days = await tx.select({ day: DAY, n: count() }).from(apiKeyUsage).where(inRange).groupBy(DAY).orderBy(DAY);
        const topEndpoints = await tx
          .select({ endpoint: apiKeyUsage.endpoint, count: count() })
          .from(apiKeyUsage)
          .where(inRange)
          .groupBy(apiKeyUsage.endpoint)
          .orderBy(desc(count()), asc(apiKeyUsage.endpoint))
          .limit(10);
        return {
          total: totals?.total ?? 0,
          success: Number(totals?.success ?? 0),
          perDay: new Map(days.map((d) => [d.day, d.n])),
          topEndpoints,
        };
      });
    },
  };
}
