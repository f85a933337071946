import { eq, sql } from 'drizzle-orm';
import type { Db } from './conn.ts';
import { storeSecrets } from './schema.ts';

/**
 * A secret every process of the gateway shares (e.g. a dialect's signing key): read, or generated once. The first
 * reader takes a transaction-scoped advisory lock on the name, so of processes starting together exactly one calls
 * `generate` and the others read its value.
 */
export function createSecrets(db: Db, schema: string) {
  const read = async (c: Pick<Db, 'select'>, name: string) => (await c.select({ value: storeSecrets.value }).from(storeSecrets).where(eq(storeSecrets.name, name)))[0]?.value;
  return async function loadOrCreateSecret(name: string, generate: () => string): Promise<string> {
    const found = await read(db, name);
    if (found !== undefined) return found;
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`dialectgate.secret:${schema}:${name}`}))`);
      const now = await read(tx, name);
      if (now !== undefined) return now;
      const value = generate();
      await tx.insert(storeSecrets).values({ name, value });
      return value;
    });
  };
}
