import { asc } from 'drizzle-orm';
import { outbox } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';

/** Mails the gateway would send (e.g. reset passwords); read by operators and tests, never logged. */
export function createOutbox({ db, clock }: CoreContext) {
  return {
    send(recipient: string, subject: string, body: string, kind: string) {
      db.insert(outbox).values({ at: clock.now(), recipient, subject, body, kind }).run();
    },
    list() {
      return db.select().from(outbox).orderBy(asc(outbox.id)).all();
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
