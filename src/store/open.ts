// Which store a gateway runs on: SQLite in the data directory (one process), or PostgreSQL (many processes).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config.ts';
import { fileSecrets, type SecretSource } from '../secrets.ts';
import type { Store } from './store.ts';
import { openSqliteStore } from './sqlite/index.ts';
import type { PostgresStoreOptions } from './postgres/index.ts';

export interface OpenedStore {
  store: Store;
  secrets: SecretSource;
  /** Where the store is, for the start-up line (never a password). */
  describe: string;
  close(): Promise<void>;
}

const heldHere = new Set<string>();

/**
 * SQLite serves one gateway process per data directory: its lockout and rotation are exact within a process, not
 * across several. A second process is refused with a pointer to PostgreSQL; a lock left by a dead process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'gateway.pid');
  if (heldHere.has(dataDir)) throw new Error(`${dataDir} is already served by this process`);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new Error(
        `another gateway process (pid ${pid}) serves ${dataDir}; SQLite serves one process per data directory. ` +
          'To run several processes, give them one PostgreSQL database: --database-url postgres://… (docs/scale-out.md)',
      );
    }
  }
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  heldHere.add(dataDir);
  return () => {
    heldHere.delete(dataDir);
    rmSync(file, { force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The configured PostgreSQL connection, for one schema. */
const postgresOptions = (config: AppConfig, schema: string, poolSize: number): PostgresStoreOptions => ({
  url: config.databaseUrl!,
  schema,
  poolSize,
  ...(config.dbStatementTimeoutMs > 0 && { statementTimeoutMs: config.dbStatementTimeoutMs }),
});

/** Secrets that live as long as the process (a store in memory keeps no files). */
export function memorySecrets(): SecretSource {
  const held = new Map<string, string>();
  return async (name, generate) => {
    if (!held.has(name)) held.set(name, generate());
    return held.get(name)!;
  };
}

/**
 * The configured store: PostgreSQL when a URL is given, else SQLite in the data directory, or with `dataDir` null
 * (the test helper's default) SQLite in memory, which leaves nothing behind.
 */
export async function openConfiguredStore(config: AppConfig, dataDir: string | null): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const [{ openPostgresStore }, { describeTarget }] = await Promise.all([import('./postgres/index.ts'), import('./postgres/open.ts')]);
    const store = await openPostgresStore(postgresOptions(config, config.databaseSchema, config.dbPoolSize));
    return { store, secrets: store.loadOrCreateSecret, describe: `PostgreSQL ${describeTarget(config.databaseUrl)} schema ${store.schema}`, close: () => store.close() };
  }
  if (dataDir === null) {
    const store = openSqliteStore(':memory:');
    return { store, secrets: memorySecrets(), describe: 'SQLite in memory', close: () => store.close() };
  }
  const release = lockDataDir(dataDir);
  try {
    const file = join(dataDir, 'gateway.db');
    const store = openSqliteStore(file);
    return {
      store,
      secrets: fileSecrets(dataDir),
      describe: `SQLite ${file}`,
      close: async () => {
        await store.close();
        release();
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** A tenant's PostgreSQL schema: the gateway's schema, then a digest of the id (ids are case-sensitive, schemas not). */
export const tenantSchema = (base: string, id: string) => `${base.slice(0, 40)}_t_${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;

/** Connections per tenant on PostgreSQL (its change feed's LISTEN connection comes on top). */
const TENANT_POOL_SIZE = 2;

/**
 * A tenant's own store (control-plane.md §4): SQLite in memory, or on PostgreSQL a schema of its own beside the
 * gateway's, dropped when the store closes: only the default store persists.
 */
export async function openTenantStore(config: AppConfig, id: string): Promise<{ store: Store; close(): Promise<void> }> {
  if (!config.databaseUrl) {
    const store = openSqliteStore(':memory:');
    return { store, close: () => store.close() };
  }
  const { openPostgresStore, dropSchema } = await import('./postgres/index.ts');
  const schema = tenantSchema(config.databaseSchema, id);
  const store = await openPostgresStore(postgresOptions(config, schema, TENANT_POOL_SIZE));
  return {
    store,
    close: async () => {
      await store.close();
      await dropSchema({ url: config.databaseUrl! }, schema);
    },
  };
}
