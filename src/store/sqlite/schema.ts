// The whole identity core's store. Times are epoch milliseconds (integers), so the same
// schema maps onto PostgreSQL bigint columns without SQLite-only types.
import { sqliteTable, integer, text, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const departments = sqliteTable('departments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description'),
  parentId: integer('parent_id').notNull().default(0),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    uuid: text('uuid').notNull().unique(),
    username: text('username').notNull().unique(),
    email: text('email').unique(),
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: ['active', 'inactive', 'locked'] }).notNull().default('active'),
    isSuperuser: integer('is_superuser', { mode: 'boolean' }).notNull().default(false),
    deptId: integer('dept_id').references(() => departments.id, { onDelete: 'set null' }),
    alias: text('alias'),
    phone: text('phone'),
    realName: text('real_name'),
    position: text('position'),
    lastLoginAt: integer('last_login_at'),
    loginCount: integer('login_count').notNull().default(0),
    tokensValidAfter: integer('tokens_valid_after').notNull().default(0),
    // A one-time password from an admin reset, valid until it is used or expires.
    tempPasswordHash: text('temp_password_hash'),
    tempPasswordExpiresAt: integer('temp_password_expires_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('users_created_at_idx').on(t.createdAt)],
);

export const roles = sqliteTable('roles', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description'),
  builtin: integer('builtin', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

// A permission is a named grant. API grants (the fastapi RBAC) carry a method and a path template.
export const permissions = sqliteTable('permissions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  category: text('category').notNull().default('general'),
  description: text('description'),
  method: text('method'),
  path: text('path'),
  createdAt: integer('created_at').notNull(),
});

export const rolePermissions = sqliteTable(
  'role_permissions',
  {
    roleId: integer('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
    permissionId: integer('permission_id').notNull().references(() => permissions.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permissionId] })],
);

export const userRoles = sqliteTable(
  'user_roles',
  {
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    roleId: integer('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
    addedAt: integer('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] }), index('user_roles_role_idx').on(t.roleId)],
);

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    status: text('status', { enum: ['active', 'inactive'] }).notNull().default('active'),
    permissions: text('permissions', { mode: 'json' }).$type<string[]>().notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    lastIp: text('last_ip'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);

export const apiKeyUsage = sqliteTable(
  'api_key_usage',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    keyId: integer('key_id').notNull().references(() => apiKeys.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    endpoint: text('endpoint').notNull(),
    status: integer('status').notNull(),
    ip: text('ip'),
  },
  (t) => [index('api_key_usage_key_at_idx').on(t.keyId, t.at)],
);

// One row per login: the refresh-token family. `currentJti` is the only refresh token that may rotate.
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    audience: text('audience').notNull(),
    currentJti: text('current_jti').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

// Refresh tokens already rotated away; a second use is reuse.
export const spentTokens = sqliteTable('spent_tokens', {
  jti: text('jti').primaryKey(),
  sessionId: text('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
  spentAt: integer('spent_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

// Individually revoked tokens (logout), kept until they would have expired anyway.
export const deniedJtis = sqliteTable('denied_jtis', {
  jti: text('jti').primaryKey(),
  expiresAt: integer('expires_at').notNull(),
});

export const loginFailures = sqliteTable('login_failures', {
  userId: integer('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  count: integer('count').notNull().default(0),
  lastFailureAt: integer('last_failure_at').notNull(),
  lockedUntil: integer('locked_until'),
});

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    event: text('event').notNull(),
    userId: integer('user_id'),
    subject: text('subject'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

export const outbox = sqliteTable('outbox', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  recipient: text('recipient').notNull(),
  subject: text('subject').notNull(),
  body: text('body').notNull(),
  kind: text('kind').notNull(),
});

/** One-time facts of this store, by name (e.g. `initialised`: a superuser has existed or fixtures were loaded). */
export const storeFacts = sqliteTable('store_facts', {
  name: text('name').primaryKey(),
  at: integer('at').notNull(),
});
