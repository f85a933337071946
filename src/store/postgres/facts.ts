import { eq } from 'drizzle-orm';
import type { FactName, FactStore } from '../store.ts';
import type { Conn, Ctx } from './conn.ts';
import { storeFacts } from './schema.ts';

export const hasFact = async (c: Conn, name: FactName): Promise<boolean> =>
  (await c.select({ name: storeFacts.name }).from(storeFacts).where(eq(storeFacts.name, name))).length > 0;

/** True when this call recorded it first (a concurrent recorder waits on the key, then finds it taken). */
export const recordFact = async (c: Conn, name: FactName, now: number): Promise<boolean> =>
  (await c.insert(storeFacts).values({ name, at: now }).onConflictDoNothing().returning({ name: storeFacts.name })).length === 1;

/** One-time facts: once recorded, true for good. Fact writes publish nothing. */
export function createFactStore({ db }: Ctx): FactStore {
  return {
    has: (name) => hasFact(db, name),
    record: (name, now) => recordFact(db, name, now),
  };
}
