// The PostgreSQL schema of the Store port: the same tables, columns, unique constraints, indexes and ON DELETE
// behaviour as the SQLite adapter's (src/store/sqlite/schema.ts). Times are epoch milliseconds in bigint columns
// read as JS numbers (safe up to 2^53, i.e. far beyond any date the gateway stores; `Number.MAX_SAFE_INTEGER` is the
// hard lock's "forever"). Tables are unqualified, so a store lives in whatever schema the connection's search_path
// names (tests and tenants each get their own).
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

const ms = (name: string) => bigint(name, { mode: 'number' });
// Ids are identities "by default", so a copy from another store (SQLite → PostgreSQL) may keep its ids.
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();
// Append-only logs may outgrow int4.
const logId = () => bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();

export const departments = pgTable('departments', {
  id: id(),
  name: text('name').notNull().unique(),
  description: text('description'),
  parentId: integer('parent_id').notNull().default(0),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    uuid: text('uuid').notNull().unique(),
    username: text('username').notNull().unique(),
    email: text('email').unique(),
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: ['active', 'inactive', 'locked'] }).notNull().default('active'),
    isSuperuser: boolean('is_superuser').notNull().default(false),
    deptId: integer('dept_id').references(() => departments.id, { onDelete: 'set null' }),
    alias: text('alias'),
    phone: text('phone'),
    realName: text('real_name'),
    position: text('position'),
    lastLoginAt: ms('last_login_at'),
    loginCount: integer('login_count').notNull().default(0),
    tokensValidAfter: ms('tokens_valid_after').notNull().default(0),
    // A one-time password from an admin reset, valid until it is used or expires.
    tempPasswordHash: text('temp_password_hash'),
    tempPasswordExpiresAt: ms('temp_password_expires_at'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [index('users_created_at_idx').on(t.createdAt)],
);

export const roles = pgTable('roles', {
  id: id(),
  name: text('name').notNull().unique(),
  description: text('description'),
  builtin: boolean('builtin').notNull().default(false),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
});

// A permission is a named grant. API grants (the fastapi RBAC) carry a method and a path template.
export const permissions = pgTable('permissions', {
  id: id(),
  name: text('name').notNull().unique(),
  category: text('category').notNull().default('general'),
  description: text('description'),
  method: text('method'),
  path: text('path'),
  createdAt: ms('created_at').notNull(),
});

export const rolePermissions = pgTable(
  'role_permissions',
  {
    roleId: integer('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
    permissionId: integer('permission_id').notNull().references(() => permissions.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permissionId] })],
);

export const userRoles = pgTable(
  'user_roles',
  {
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    roleId: integer('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
    addedAt: ms('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] }), index('user_roles_role_idx').on(t.roleId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    status: text('status', { enum: ['active', 'inactive'] }).notNull().default('active'),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    expiresAt: ms('expires_at'),
    lastUsedAt: ms('last_used_at'),
    lastIp: text('last_ip'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);

export const apiKeyUsage = pgTable(
  'api_key_usage',
  {
    id: logId(),
    keyId: integer('key_id').notNull().references(() => apiKeys.id, { onDelete: 'cascade' }),
    at: ms('at').notNull(),
    endpoint: text('endpoint').notNull(),
    status: integer('status').notNull(),
    ip: text('ip'),
  },
  (t) => [index('api_key_usage_key_at_idx').on(t.keyId, t.at)],
);

// One row per login: the refresh-token family. `currentJti` is the only refresh token that may rotate.
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    audience: text('audience').notNull(),
    currentJti: text('current_jti').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    revokedAt: ms('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

// Refresh tokens already rotated away; a second use is reuse. Indexed by session (unlike SQLite) because PostgreSQL
// does not index a foreign key by itself, and every session delete (prune, user delete) cascades here.
export const spentTokens = pgTable(
  'spent_tokens',
  {
    jti: text('jti').primaryKey(),
    sessionId: text('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
    spentAt: ms('spent_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('spent_tokens_session_idx').on(t.sessionId)],
);

// Individually revoked tokens (logout), kept until they would have expired anyway.
export const deniedJtis = pgTable('denied_jtis', {
  jti: text('jti').primaryKey(),
  expiresAt: ms('expires_at').notNull(),
});

export const loginFailures = pgTable('login_failures', {
  userId: integer('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  count: integer('count').notNull().default(0),
  lastFailureAt: ms('last_failure_at').notNull(),
  lockedUntil: ms('locked_until'),
});

export const auditLog = pgTable(
  'audit_log',
  {
    id: logId(),
    at: ms('at').notNull(),
    event: text('event').notNull(),
    userId: integer('user_id'),
    subject: text('subject'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

export const outbox = pgTable('outbox', {
  id: logId(),
  at: ms('at').notNull(),
  recipient: text('recipient').notNull(),
  subject: text('subject').notNull(),
  body: text('body').notNull(),
  kind: text('kind').notNull(),
});

/** One-time facts of this store, by name (e.g. `initialised`: a superuser has existed or fixtures were loaded). */
export const storeFacts = pgTable('store_facts', {
  name: text('name').primaryKey(),
  at: ms('at').notNull(),
});

/**
 * One row (id 1), bumped by every commit that publishes tags: the change feed's fallback when a notification is
 * lost (another process polls it). The row is created by the migration.
 */
export const storeVersion = pgTable('store_version', {
  id: integer('id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});

/** Secrets every process of the gateway shares (per-dialect signing keys), generated once. */
export const storeSecrets = pgTable('store_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});
