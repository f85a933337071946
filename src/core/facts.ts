import { eq } from 'drizzle-orm';
import { storeFacts } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';

export type FactName = 'initialised';

/** One-time facts of the store: once recorded, true for good (a rename or a delete never undoes them). */
export function createFacts({ db, clock }: CoreContext) {
  return {
    has: (name: FactName): boolean => db.select({ name: storeFacts.name }).from(storeFacts).where(eq(storeFacts.name, name)).get() !== undefined,
    /** Records `name`; true when this call recorded it first. */
    record: (name: FactName): boolean => db.insert(storeFacts).values({ name, at: clock.now() }).onConflictDoNothing().run().changes === 1,
  };
}
export type Facts = ReturnType<typeof createFacts>;
