import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import { fileURLToPath } from 'node:url';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { Db } from './conn.ts';
import * as schema from './schema.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db?sslmode=…`; the URL's sslmode (and other libpq-style parameters) apply. */
  url: string;
  /** Pooled connections (default 10); the LISTEN connection comes on top. */
  poolSize?: number;
  /** Per statement, lock waits included (default none). */
  statementTimeoutMs?: number;
  /** TLS for every connection, when the URL's sslmode is not enough (e.g. a CA given as a string). */
  ssl?: boolean | ConnectionOptions;
  /** A PostgreSQL schema (search_path) holding this store, created when missing: for tests and tenants. */
  schema?: string;
  /** How often (ms) `store_version` is polled in case a notification was lost; default 50. */
  crossProcessMs?: number;
  /** Gives up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * A transaction left idle this long is ended by the server (default 60 s): a login attempt holds its account's row
   * lock over the caller's verify, and a verify that never returns must not lock the account for good.
   */
  idleInTransactionTimeoutMs?: number;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
// Lower case: the search_path option folds an unquoted name to lower case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Drops a store's schema and everything in it (a tenant's, when the tenant is deleted or the gateway closes). */
export async function dropSchema(opts: Pick<PostgresStoreOptions, 'url' | 'ssl' | 'connectTimeoutMs'>, name: string): Promise<void> {
  if (!SCHEMA_NAME.test(name) || name === 'public') throw new Error(`PostgreSQL store: will not drop the schema ${JSON.stringify(name)}`);
  const client = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000, ...(opts.ssl !== undefined && { ssl: opts.ssl }) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`drop schema if exists "${name}" cascade`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `host:port/database` of a URL, for messages (never its password). */
export function describeTarget(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('PostgreSQL store: the database URL is not a URL (expected postgres://user@host:port/database)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`PostgreSQL store: the database URL must start with postgres:// (got ${u.protocol}//)`);
  const host = u.searchParams.get('host') ?? (u.hostname || 'localhost');
  const db = decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || '(default database)';
  return `${host}:${u.port || '5432'}/${db}`;
}

/** What a failed connect says, on one line (node's AggregateError for several addresses has an empty message). */
export function reason(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return [...new Set(e.errors.map(reason))].join('; ');
  if (e instanceof Error) return (e.message || (e as { code?: string }).code || e.name).split('\n')[0]!;
  return String(e);
}

export interface Connection {
  /** host:port/database, for messages. */
  target: string;
  db: Db;
  pool: pg.Pool;
  /** For the LISTEN connection: the same target and TLS, no statement timeout, its own application_name. */
  listenerConfig: pg.ClientConfig;
  /** The schema the store lives in (the option, or the connection's current schema). */
  schema: string;
}

/**
 * Connects, then migrates under a session advisory lock held on a dedicated connection, so processes starting
 * together migrate one at a time (the others find nothing left to do). A bad URL or an unreachable server rejects
 * with one line naming host:port/database.
 */
export async function connect(opts: PostgresStoreOptions): Promise<Connection> {
  const target = describeTarget(opts.url);
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new Error(`PostgreSQL store: schema name ${JSON.stringify(opts.schema)} must match ${SCHEMA_NAME.source}`);
  const clientConfig: pg.ClientConfig = {
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    // Names the store's schema, so an operator (or a test) can tell one store's connections from another's.
    application_name: opts.schema === undefined ? 'dialectgate' : `dialectgate/${opts.schema}`,
    ...(opts.ssl !== undefined && { ssl: opts.ssl }),
    ...(opts.schema !== undefined && { options: `-c search_path=${opts.schema}` }),
  };

  const admin = new pg.Client(clientConfig);
  admin.on('error', () => undefined); // a dropped connection fails the query in flight, which is enough
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`PostgreSQL store: cannot connect to ${target}: ${reason(e)}`, { cause: e });
  }
  let schemaName: string;
  try {
    schemaName = await migrate(admin, opts.schema);
  } catch (e) {
    throw new Error(`PostgreSQL store at ${target}: migration failed: ${reason(e)}`, { cause: e });
  } finally {
    await admin.end().catch(() => undefined);
  }

  const pool = new pg.Pool({
    ...clientConfig,
    max: opts.poolSize ?? 10,
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 60_000,
    ...(opts.statementTimeoutMs !== undefined && { statement_timeout: opts.statementTimeoutMs }),
  });
  // A connection the server drops (a restart, a failover, the idle-in-transaction timeout) must not crash the process
  // with an unhandled 'error' event: the pool handles idle ones ('error' on the pool), but a checked-out connection —
  // a transaction waiting on a login's verify — has no listener of its own. The query in flight, or the next one,
  // fails instead, and the pool discards the connection when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const listenerConfig = { ...clientConfig, application_name: `${clientConfig.application_name}/listen` };
  return { target, db: drizzle(pool, { schema }), pool, listenerConfig, schema: schemaName };
}

async function migrate(client: pg.Client, wanted: string | undefined): Promise<string> {
  const lockKey = `dialectgate.migrate:${wanted ?? ''}`;
  await client.query('select pg_advisory_lock(hashtext($1))', [lockKey]);
  try {
    if (wanted !== undefined) await client.query(`create schema if not exists "${wanted}"`);
    const name = (await client.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s;
    if (!name) throw new Error('no schema on the search_path to create the tables in');
    // drizzle-kit qualifies foreign keys with "public"; unqualified, they resolve in the store's own schema.
    const migrations = readMigrationFiles({ migrationsFolder }).map((m) => ({ ...m, sql: m.sql.map((s) => s.replaceAll('REFERENCES "public".', 'REFERENCES ')) }));
    const db = drizzle(client);
    await new PgDialect().migrate(migrations, db._.session as unknown as Parameters<PgDialect['migrate']>[1], { migrationsFolder, migrationsSchema: name, migrationsTable: '__drizzle_migrations' });
    return name;
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
  }
}
