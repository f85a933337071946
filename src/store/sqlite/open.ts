import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema>;

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Opens (or creates) the database at `file` (`:memory:` for tests), or from serialized bytes, migrated: the one
 * connection and its drizzle handle (the Store adapter, `openSqliteStore` in `./index.ts`, is built on it).
 */
export function openDatabase(file: string | Buffer): { sqlite: Database.Database; db: Db } {
  const onDisk = typeof file === 'string' && file !== ':memory:' && file !== '';
  const sqlite = onDisk ? privately(() => openPrivateFile(file)) : open(file);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return { sqlite, db };
}

function open(file: string | Buffer): Database.Database {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/** The store and the files SQLite keeps beside it; all hold password hashes (and the outbox's temporary passwords). */
export const storeFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

/**
 * Opens the store so that it and its -wal/-shm are readable by the owner only (0600): the file is created 0600
 * before SQLite sees it, SQLite gives the -wal and -shm it creates later the main file's mode, and files left
 * by an older version (0644) are narrowed.
 */
function openPrivateFile(file: string): Database.Database {
  closeSync(openSync(file, 'a', 0o600));
  const narrow = () => storeFiles(file).filter(existsSync).forEach((f) => chmodSync(f, 0o600));
  narrow();
  const sqlite = open(file); // WAL mode opens (creates) the -wal and -shm here
  narrow();
  return sqlite;
}

/** Runs `fn` with umask 077 where the process may set it (not in worker threads), so nothing it creates is shared. */
function privately<T>(fn: () => T): T {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {
    // worker threads cannot change the umask; the explicit modes and chmods above still apply
  }
  try {
    return fn();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
