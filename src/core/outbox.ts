import type { CoreContext } from './context.ts';
import { stampOf } from './ports.ts';

/** Mails the gateway would send (e.g. reset passwords); read by operators and tests, never logged. */
export function createOutbox({ store, clock }: CoreContext) {
  return {
    send: (recipient: string, subject: string, body: string, kind: string) => store.records.mail({ at: stampOf(clock), recipient, subject, body, kind }),
    list: () => store.records.mails(),
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
