import { asc, desc } from 'drizzle-orm';
import type { RecordStore } from '../store.ts';
import type { Ctx } from './conn.ts';
import { auditLog, outbox } from './schema.ts';

/** The audit log and the outbox: single inserts that publish nothing. */
export function createRecordStore({ db }: Ctx): RecordStore {
  return {
    async audit(e) {
      await db.insert(auditLog).values({ at: e.at, event: e.event, userId: e.userId, subject: e.subject, detail: e.detail });
    },
    recentAudit: (limit) => db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit),
    async mail(m) {
      await db.insert(outbox).values({ at: m.at, recipient: m.recipient, subject: m.subject, body: m.body, kind: m.kind });
    },
    mails: () => db.select().from(outbox).orderBy(asc(outbox.id)),
  };
}
