import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema>;

export interface Store {
  db: Db;
  /** True when the store answers a trivial query (health checks). */
  ping(): boolean;
  /** The whole database as bytes; tests clone a seeded store from it. */
  serialize(): Buffer;
  close(): void;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Opens (or creates) the store at `file` (`:memory:` for tests), or from serialized bytes, and migrates it. */
export function openStore(file: string | Buffer): Store {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  const pingStmt = sqlite.prepare('select 1');
  return {
    db,
    ping() {
      try {
        return pingStmt.get() !== undefined;
      } catch {
        return false;
      }
    },
    serialize: () => sqlite.serialize(),
    close: () => sqlite.close(),
  };
}
