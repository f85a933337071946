// The control plane's wire shapes (control-plane.md §2, §3), as the typed admin client sends and answers them:
// snake_case fields, instants out as UTC ISO strings with milliseconds, lists as `{items}` oldest first.
import type { FixtureSet } from '../db/seed.ts';

/** An instant going in: an ISO 8601 date-time with a zone, a Date, or epoch milliseconds. */
export type Instant = string | number | Date;
/** A duration ≥ 0 going in: milliseconds, or ISO 8601 in weeks, days, hours, minutes, seconds (`P1DT1S`, `PT4H`). */
export type Duration = number | string;
export type ClockScope = 'policy' | 'all';
/** What a reset or restore may leave as it is. */
export type Keep = 'journal' | 'faults' | 'clock';
export type DialectName = 'fastapi' | 'flask' | 'v1auth' | 'openapi';

/** A fixture set as `fixtures/dev.json` holds it; only `users` is required. */
export type Fixtures = Pick<FixtureSet, 'users'> & Partial<Omit<FixtureSet, 'users'>> & Record<`_${string}`, unknown>;

/** The plane's error codes (control-plane.md §2), as src/admin/http.ts answers them. */
export type { ErrorCode as AdminErrorCode } from '../admin/http.ts';

export interface Health {
  status: 'ok';
  store: 'ok';
}

export interface VersionInfo {
  version: string;
  node: string;
  store: 'sqlite' | 'postgres';
  started_at: string;
  /** Each listener's base URL by name (the dialects and `admin`). */
  urls: Record<string, string>;
}

export interface ResetOptions {
  /** A fixture set name (`<data-dir>/fixtures/<name>.json`, then the package's) or a set; default: the gateway's. */
  fixtures?: string | Fixtures;
  keep?: Keep[];
}

export interface ResetResult {
  tenant: string;
  /** The set's name or file, null for an object. */
  fixtures: string | null;
  users: number;
  at: string;
}

export interface Snapshot {
  id: string;
  name: string | null;
  tenant: string;
  created_at: string;
}

export interface Clock {
  now: string;
  now_ms: number;
  wall: string;
  offset_ms: number;
  frozen: boolean;
  scope: ClockScope;
}

export interface Mail {
  id: number;
  at: string;
  to: string;
  /** `temporary_password`, `password_reset`, … */
  kind: string;
  subject: string;
  body: string;
  /** The password the mail carries, if any. */
  secret: string | null;
}

export interface MailFilter {
  /** Case-insensitive. */
  to?: string;
  kind?: string;
  /** Wall time. */
  since?: Instant;
  /** Mail ids are integers rising per tenant; exclusive. */
  after?: number;
  limit?: number;
}

export interface MailWait extends Omit<MailFilter, 'limit'> {
  /** Default 5000, at most 60000; then AdminError 408 `timeout`. */
  timeout_ms?: number;
}

export interface RequestSummary {
  id: number;
  at: string;
  dialect: DialectName;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  user: string | null;
  /** The denial kind (`account_locked`, `token_expired`, …), if the core denied something. */
  decision: string | null;
  /** The fault rule that hit this request, if any. */
  fault: FaultId | null;
}

/** A request or response as the journal keeps it (redacted; bodies up to 64 KiB). */
export interface RecordedMessage {
  headers: Record<string, string>;
  body: string;
  encoding: 'utf8' | 'base64';
  truncated: boolean;
}

export interface RequestEntry extends RequestSummary {
  request: RecordedMessage;
  response: RecordedMessage;
}

export interface RequestFilter {
  dialect?: DialectName;
  method?: string;
  /** `*` one segment, `**` the rest. */
  path?: string;
  /** `401`, or a class such as `4xx`. */
  status?: number | string;
  user?: string;
  since?: Instant;
  after?: number;
  /** Default 100, at most 1000; the newest are kept. */
  limit?: number;
}

export interface Decision {
  /** The core error kind: `account_locked`, `token_expired`, `forbidden`, … */
  kind: string;
  summary: string;
  /** e.g. `locked_until`, `expired_at` with `clock: "virtual" | "wall"`, `reason`, `missing`. */
  details: Record<string, unknown>;
}

export type FaultId = string | number;

/** A fault rule going in: every field has a default (`dialect`, `method` `*`; `path` `**`; `phase` `before`, …). */
export interface FaultRuleInput {
  dialect?: DialectName | '*';
  method?: string;
  path?: string;
  delay_ms?: number;
  status?: number;
  body?: string;
  /** Reset the connection instead of answering. */
  reset?: boolean;
  phase?: 'before' | 'after';
  probability?: number;
  seed?: number;
  /** Gone after this many hits. */
  times?: number;
}

export interface FaultRule extends Required<Omit<FaultRuleInput, 'status' | 'times'>> {
  id: FaultId;
  status?: number | null;
  times?: number | null;
}

export interface SecurityView {
  user: { id: number; username: string };
  /** `locked_until` null while locked: a hard lock (no expiry). */
  lockout: { locked: boolean; locked_until: string | null; failures: number };
  sessions: { id: string; dialect: DialectName; expires_at: string; revoked_at: string | null }[];
}

export interface Tenant {
  id: string;
  created_at: string;
  last_used_at: string | null;
}

export interface Items<T> {
  items: T[];
}
