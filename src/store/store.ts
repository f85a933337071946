// The Store port: what the identity core asks of persistence (and, in `admin`, the control plane). Interfaces only,
// and one error class; the adapters (sqlite/, postgres/) own their schema, migrations, prepared statements and change
// feed. Every multi-step write is one method, atomic in itself: the core keeps the policy (thresholds, windows, who
// may do what, passed in as plain values or callbacks), the adapter keeps the atomicity. Times are epoch milliseconds.

export type UserStatus = 'active' | 'inactive' | 'locked';

export interface UserRow {
  id: number;
  uuid: string;
  username: string;
  email: string | null;
  passwordHash: string;
  status: UserStatus;
  isSuperuser: boolean;
  deptId: number | null;
  alias: string | null;
  phone: string | null;
  realName: string | null;
  position: string | null;
  lastLoginAt: number | null;
  loginCount: number;
  tokensValidAfter: number;
  tempPasswordHash: string | null;
  tempPasswordExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Role {
  id: number;
  name: string;
  description: string | null;
  builtin: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Permission {
  id: number;
  name: string;
  category: string;
  description: string | null;
  method: string | null;
  path: string | null;
  createdAt: number;
}

export interface Department {
  id: number;
  name: string;
  description: string | null;
  parentId: number;
  sortOrder: number;
  createdAt: number;
  updatedAt: number;
}

export type ApiKeyRowStatus = 'active' | 'inactive';
export interface ApiKey {
  id: number;
  userId: number;
  name: string;
  description: string | null;
  keyHash: string;
  prefix: string;
  status: ApiKeyRowStatus;
  permissions: string[];
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastIp: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Session {
  id: string;
  userId: number;
  audience: string;
  currentJti: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  event: string;
  userId: number | null;
  subject: string | null;
  detail: Record<string, unknown> | null;
}

export interface Mail {
  id: number;
  at: number;
  recipient: string;
  subject: string;
  body: string;
  kind: string;
}

export interface KeyUse {
  keyId: number;
  endpoint: string;
  status: number;
  ip: string | null;
  at: number;
}

export interface Page {
  page: number;
  pageSize: number;
}
export interface Paged<T> {
  total: number;
  items: T[];
}

export interface UserFilter extends Page {
  /** Case-insensitive substring matches (LIKE/ILIKE with `%`, `_` and `\` escaped by the adapter). */
  usernameContains?: string;
  emailContains?: string;
  deptId?: number;
  status?: UserStatus;
}

/** The fields a user is created with; the adapter adds id, counters and stamps. */
export type NewUserRow = Pick<UserRow, 'uuid' | 'username' | 'email' | 'passwordHash' | 'status' | 'isSuperuser' | 'deptId' | 'alias' | 'phone' | 'realName' | 'position'>;

export type UserFieldsPatch = Partial<Pick<UserRow, 'username' | 'email' | 'status' | 'isSuperuser' | 'deptId' | 'alias' | 'phone' | 'realName' | 'position'>>;

/** What the lockout counter holds for one account. */
export interface LoginState {
  count: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

/** The lockout policy, as plain values and one pure function, so the adapter can apply it inside its transaction. */
export interface FailurePolicy {
  /** A count older than this is forgotten before the next failure is added. */
  resetAfterMs: number;
  /** The lock (ms) a given failure count earns, or null for none. */
  lockFor(count: number): number | null;
}

/**
 * One login attempt on one account, holding the account's attempt lock while `run` runs (stamped with the attempt's
 * `now`), so
 * concurrent attempts on the same account — in this process or another on the same database — see each other's
 * failures (PostgreSQL: a transaction with the user row `FOR UPDATE` around the slow verify).
 */
export interface LoginAttempt {
  /** The user row and its lockout state, read under the attempt lock. */
  user: UserRow;
  state: LoginState | undefined;
  /** Adds one failure (after forgetting a stale count) and applies the policy's lock; returns the new state. */
  fail(policy: FailurePolicy): Promise<LoginState>;
  /** Clears the failures; with `login`, stamps the login (count + 1); `consumeTemporary` clears the temporary password. */
  succeed(opts: { login: boolean; consumeTemporary: boolean }): Promise<void>;
}

/** The verdict of a refresh-token rotation, decided in one transaction with the session row locked. */
export type RotateVerdict =
  | { kind: 'rotated'; user: UserRow; session: Session }
  | { kind: 'invalid' }
  | { kind: 'disabled' }
  | { kind: 'revoked' }
  | { kind: 'expired' }
  | { kind: 'grace' }
  /** Reuse after the grace window: the session (family) was revoked in the same transaction. */
  | { kind: 'reuse'; userId: number };

/** A check the core runs on a row read inside the write's transaction (e.g. "only a superuser may touch a superuser"). */
export type Guard<T> = (row: T) => void;

/**
 * Invalidation tags a write publishes after it commits: `user:<id>`, `users` (any user or its roles), `session:<id>`,
 * `jti:<jti>`, `key:<id>`, `keys` (a key created, deleted or its status changed), `rbac` (roles, permissions, grants,
 * departments), `all`. Audit, outbox, usage and fact writes publish nothing.
 */
export type Tag = string;

export interface ChangeFeed {
  /** Called synchronously after every local commit that publishes tags, and when another process's commit arrives. */
  subscribe(listener: (tags: readonly Tag[]) => void): () => void;
  /**
   * Called on the hot path; must stay cheap. SQLite reads `data_version` at most every `crossProcessMs` and publishes
   * `all` when another process committed. PostgreSQL does nothing here (notifications and the polled version row
   * arrive off the request path).
   */
  check(now: number): void;
}

export interface UserStore {
  byId(id: number): Promise<UserRow | undefined>;
  byUuid(uuid: string): Promise<UserRow | undefined>;
  byUsername(username: string): Promise<UserRow | undefined>;
  byEmail(email: string): Promise<UserRow | undefined>;
  /** Newest first (created_at desc, id desc); `pageSize` already clamped by the core. */
  list(filter: UserFilter): Promise<Paged<UserRow>>;
  /**
   * Atomic: e-mail then username uniqueness (conflict {field}), department and roles exist (not_found {entity, id}),
   * insert, roles, and the `initialised` fact when the user is a superuser. `onlyUninitialised`: conflict
   * {field: 'initialised'} when that fact is already recorded.
   */
  create(row: NewUserRow, roleIds: number[], now: number, opts?: { onlyUninitialised?: boolean }): Promise<UserRow>;
  /**
   * Atomic: not_found {entity: 'user', id}; `guard(before)`; uniqueness; department and roles; the patch; roles
   * replaced when given; and the effects: active → not active revokes every session (reason 'status') and disables
   * every API key; locked → active clears the login failures; a superuser records `initialised`.
   */
  update(id: number, patch: UserFieldsPatch, roleIds: number[] | undefined, now: number, guard: Guard<UserRow>): Promise<{ before: UserRow; after: UserRow }>;
  /** Atomic: not_found; `guard(row)`; delete (roles, sessions, keys, counters go with it). Returns the deleted row. */
  delete(id: number, guard: Guard<UserRow>): Promise<UserRow>;
  /** (An unknown id changes nothing, here and in the two methods below.) Atomic: new hash, temporary password cleared, failures cleared, every session but `keepSession` revoked, tokensValidAfter = now. */
  setPassword(id: number, passwordHash: string, now: number, reason: string, keepSession?: string): Promise<void>;
  /** Atomic: a temporary password beside the real one, and every session revoked (reason 'password_reset'). */
  setTemporaryPassword(id: number, hash: string, expiresAt: number, now: number): Promise<void>;
  /** Every session of the user (but `exceptSession`) revoked and tokensValidAfter = now, atomically. */
  revokeAll(id: number, now: number, reason: string, exceptSession?: string): Promise<void>;
}

export interface AuthStore {
  /** Runs `run` under the account's attempt lock (see LoginAttempt); `undefined` user: `run` is not called. */
  attempt<T>(userId: number, now: number, run: (a: LoginAttempt) => Promise<T>): Promise<T | undefined>;
  state(userId: number): Promise<LoginState | undefined>;
  /** Removes the counter (the hard lock included); true when there was one. */
  clear(userId: number): Promise<boolean>;
}

export interface SessionStore {
  start(s: { id: string; userId: number; audience: string; currentJti: string; createdAt: number; expiresAt: number }): Promise<void>;
  byId(id: string): Promise<Session | undefined>;
  /** Atomic, with the session row locked: exactly one of several simultaneous rotations of one jti succeeds. */
  rotate(sessionId: string, jti: string, nextJti: string, now: number, ttlMs: number, graceMs: number): Promise<RotateVerdict>;
  /** Revokes one live session; returns its user when it was live. */
  revoke(id: string, now: number, reason: string): Promise<number | undefined>;
  /** expiresAt = max(expiresAt, until). */
  extend(id: string, until: number): Promise<void>;
  deny(jti: string, expiresAt: number): Promise<void>;
  isDenied(jti: string): Promise<boolean>;
  /** Drops expired sessions (with their spent tokens) and denied jtis past expiry. */
  prune(now: number): Promise<{ sessions: number; denied: number }>;
}

export interface DirectoryStore {
  rolesOf(userIds: number[]): Promise<Map<number, Role[]>>;
  /** The distinct permissions of a user's roles, by id. */
  permissionsOf(userId: number): Promise<Permission[]>;
  department(id: number): Promise<Department | undefined>;
  departments(ids: number[]): Promise<Map<number, Department>>;
  departmentByName(name: string): Promise<Department | undefined>;
  role(id: number): Promise<Role | undefined>;
  roleByName(name: string): Promise<Role | undefined>;
  rolesByName(names: string[]): Promise<Role[]>;
  permissionsByName(names: string[]): Promise<Permission[]>;
  permissionsOfRole(roleId: number): Promise<Permission[]>;
  listPermissions(): Promise<Permission[]>;
  userCount(roleId: number): Promise<number>;
  rolesPage(filter: Page & { nameContains?: string }): Promise<Paged<Role>>;
  roleUsers(roleId: number, p: Page): Promise<Paged<{ id: number; username: string; email: string | null; status: UserStatus; addedAt: number }>>;
  permissionsPage(filter: Page & { nameContains?: string; category?: string }): Promise<Paged<Permission>>;
  /** Atomic: name unique (conflict {field: 'name'}), permissions exist (not_found {entity: 'permission'}). */
  createRole(input: { name: string; description: string | null; builtin: boolean; permissionIds: number[] }, now: number): Promise<Role>;
  /** Atomic: not_found {entity: 'role', id}, name unique, permissions replaced when given. */
  updateRole(id: number, patch: { name?: string; description?: string | null }, permissionIds: number[] | undefined, now: number): Promise<Role>;
  /** Atomic: not_found; `guard(role)` (built-in roles stay); delete. */
  deleteRole(id: number, guard: Guard<Role>): Promise<void>;
  /** Conflict {field: 'name'} when the name is taken. */
  createPermission(input: Omit<Permission, 'id' | 'createdAt'>, now: number): Promise<Permission>;
  /** Conflict {field: 'name'} when the name is taken. */
  createDepartment(input: { name: string; description: string | null; parentId: number }, now: number): Promise<Department>;
}

export interface KeyStats {
  total: number;
  success: number;
  /** Uses per UTC day (YYYY-MM-DD), only days that have uses (the core fills in the rest). */
  perDay: Map<string, number>;
  topEndpoints: { endpoint: string; count: number }[];
}

export interface ApiKeyStore {
  byId(id: number): Promise<ApiKey | undefined>;
  /** The key with this SHA-256 hex digest, and its owner. */
  byHash(digest: string): Promise<{ key: ApiKey; owner: UserRow | undefined } | undefined>;
  create(row: Omit<ApiKey, 'id' | 'lastUsedAt' | 'lastIp'>): Promise<ApiKey>;
  list(filter: Page & { userId?: number; nameContains?: string; status?: 'active' | 'inactive' | 'expired'; now: number }): Promise<Paged<ApiKey>>;
  setStatus(id: number, status: ApiKeyRowStatus, now: number): Promise<ApiKey | undefined>;
  delete(id: number): Promise<ApiKey | undefined>;
  /** Atomic: uses of keys that still exist are inserted, each key's last use stamped, rows older than `pruneBefore` dropped. */
  flushUsage(batch: KeyUse[], pruneBefore: number): Promise<void>;
  stats(id: number, since: number): Promise<KeyStats>;
}

export interface RecordStore {
  audit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  recentAudit(limit: number): Promise<AuditEntry[]>;
  mail(m: Omit<Mail, 'id'>): Promise<void>;
  mails(): Promise<Mail[]>;
}

export type FactName = 'initialised';
export interface FactStore {
  has(name: FactName): Promise<boolean>;
  /** True when this call recorded it first. */
  record(name: FactName, now: number): Promise<boolean>;
}

/** A fixture set resolved to rows, loaded into an empty store in one transaction (users are hashed by the core). */
export interface SeedSet {
  departments: { name: string; description: string | null }[];
  permissions: Omit<Permission, 'id' | 'createdAt'>[];
  roles: { name: string; description: string | null; builtin: boolean; permissions: string[] }[];
  users: (NewUserRow & { roles: string[]; department: string | null })[];
}

/** Bytes a store cannot restore: not one of its snapshots, or one of another schema version (admin: 400). */
export class InvalidSnapshotError extends Error {
  override readonly name = 'InvalidSnapshotError';
}

/**
 * What the control plane (src/admin/) asks of a store beyond the core's needs. Every table means every table of the
 * store's schema but the migration record and, on PostgreSQL, the shared secrets and the change-feed version row.
 */
export interface StoreAdmin {
  /**
   * Atomic: every table emptied (id counters restarted), then the set loaded as `seed` loads it (with the
   * `initialised` fact); publishes `all`. A set that does not hold throws and changes nothing.
   */
  reset(set: SeedSet, now: number): Promise<void>;
  /** Every table's rows and the id counters, read in one consistent view (SQLite: a database file). */
  snapshot(): Promise<Buffer>;
  /** Atomic: every table's rows and the id counters replaced by a snapshot's; publishes `all`. InvalidSnapshotError. */
  restore(bytes: Uint8Array): Promise<void>;
  /** The outbox emptied (ids keep rising). */
  clearOutbox(): Promise<void>;
  /** Every stored session of the user (revoked and expired ones until pruned), oldest first. */
  sessionsOf(userId: number): Promise<Session[]>;
}

export interface Store {
  /** 'sqlite' or 'postgres': for messages and figures only; the core never branches on it. */
  readonly kind: string;
  users: UserStore;
  auth: AuthStore;
  sessions: SessionStore;
  directory: DirectoryStore;
  apiKeys: ApiKeyStore;
  records: RecordStore;
  facts: FactStore;
  feed: ChangeFeed;
  isEmpty(): Promise<boolean>;
  /**
   * Atomic: the whole set, then the `initialised` fact. Unknown role or permission names throw. False (nothing loaded)
   * when users exist by then (another process seeded first).
   */
  seed(set: SeedSet, now: number): Promise<boolean>;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  /** Reset, snapshots, outbox and sessions for the control plane; never used by the core. */
  admin: StoreAdmin;
  close(): Promise<void>;
}
