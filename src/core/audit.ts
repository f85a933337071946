import type { CoreContext } from './context.ts';
import { stampOf } from './ports.ts';

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
export function createAudit({ store, clock }: CoreContext) {
  return {
    record(event: AuditEvent, userId: number | null, subject: string | null, detail?: Record<string, unknown>): Promise<void> {
      return store.records.audit({ at: stampOf(clock), event, userId, subject, detail: detail ?? null });
    },
    recent: (limit = 100) => store.records.recentAudit(limit),
  };
}
export type Audit = ReturnType<typeof createAudit>;
