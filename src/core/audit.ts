import { desc } from 'drizzle-orm';
import { auditLog } from '../store/sqlite/schema.ts';
import type { CoreContext } from './context.ts';

export type AuditEvent =
  | 'login.success'
  | 'login.failure'
  | 'login.locked'
  | 'account.unlocked'
  | 'password.change_failure'
  | 'password.change_locked'
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'password.changed'
  | 'password.reset'
  | 'session.revoked'
  | 'refresh.reuse'
  | 'api_key.created'
  | 'api_key.enabled'
  | 'api_key.disabled'
  | 'api_key.deleted';

/** Audit entries never carry secrets: only ids, names and reasons. */
export function createAudit({ db, clock }: CoreContext) {
  return {
    record(event: AuditEvent, userId: number | null, subject: string | null, detail?: Record<string, unknown>) {
      db.insert(auditLog).values({ at: clock.now(), event, userId, subject, detail: detail ?? null }).run();
    },
    recent(limit = 100) {
      return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all();
    },
  };
}
export type Audit = ReturnType<typeof createAudit>;
