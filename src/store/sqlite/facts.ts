import { eq } from 'drizzle-orm';
import type { FactName, FactStore } from '../store.ts';
import type { Conn, Ctx } from './conn.ts';
import { storeFacts } from './schema.ts';

export const hasFact = (c: Conn, name: FactName): boolean =>
  c.select({ name: storeFacts.name }).from(storeFacts).where(eq(storeFacts.name, name)).get() !== undefined;

/** True when this call recorded it first. */
export const recordFact = (c: Conn, name: FactName, now: number): boolean =>
  c.insert(storeFacts).values({ name, at: now }).onConflictDoNothing().run().changes === 1;

/** One-time facts: once recorded, true for good. Fact writes publish nothing. */
export function createFactStore({ db }: Ctx): FactStore {
  return {
    has: async (name) => hasFact(db, name),
    record: async (name, now) => recordFact(db, name, now),
  };
}
