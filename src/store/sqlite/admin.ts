// The control plane's part of the SQLite adapter (StoreAdmin in ../store.ts): reset to a fixture set, snapshots as
// database files (`serialize`), restore by copying every table's rows back in one immediate transaction.
import Database from 'better-sqlite3';
import { asc, eq } from 'drizzle-orm';
import { InvalidSnapshotError, type StoreAdmin } from '../store.ts';
import type { Ctx } from './conn.ts';
import { outbox, sessions } from './schema.ts';
import { loadSet } from './seed.ts';

const MIGRATIONS = '__drizzle_migrations';
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The store's tables (not SQLite's own, not the migration record), in name order. */
const tablesOf = (db: Database.Database): string[] =>
  (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name <> ? order by name`).all(MIGRATIONS) as { name: string }[]).map((r) => r.name);

const columnsOf = (db: Database.Database, table: string): string[] => (db.pragma(`table_info(${quote(table)})`) as { name: string }[]).map((c) => c.name);

const migrationsOf = (db: Database.Database): string =>
  JSON.stringify(db.prepare(`select hash from ${quote(MIGRATIONS)} order by created_at, hash`).raw().all());

/**
 * The image of a WAL-mode database marked as a rollback-journal one (header bytes 18 and 19, the write and read
 * format versions: 2, WAL, cannot be opened from memory nor as a lone file), so that any SQLite opens it.
 */
function asRollbackImage(bytes: Uint8Array): Buffer {
  const image = Buffer.from(bytes);
  if (image.length >= 100 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
  return image;
}

/** Opens snapshot bytes as a private in-memory database. */
function openSnapshot(bytes: Uint8Array): Database.Database {
  const image = asRollbackImage(bytes);
  if (image.length < 100 || image.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') throw new InvalidSnapshotError('not an SQLite database');
  try {
    return new Database(image);
  } catch (e) {
    throw new InvalidSnapshotError(`not an SQLite database: ${(e as Error).message}`);
  }
}

export function createSqliteAdmin(sqlite: Database.Database, { db, write }: Ctx): StoreAdmin {
  /** Every table emptied, the AUTOINCREMENT counters too; inside the caller's transaction, foreign keys checked at commit. */
  function emptyAll(): void {
    sqlite.pragma('defer_foreign_keys = ON');
    for (const t of tablesOf(sqlite)) sqlite.prepare(`delete from ${quote(t)}`).run();
    sqlite.prepare('delete from sqlite_sequence').run();
  }

  return {
    async reset(set, now) {
      write((tx, tags) => {
        emptyAll();
        loadSet(tx, set, now);
        tags.add('all');
      });
    },

    async snapshot() {
      return asRollbackImage(sqlite.serialize());
    },

    async restore(bytes) {
      const snap = openSnapshot(bytes);
      try {
        const tables = tablesOf(sqlite);
        let sameSchema: boolean;
        try {
          sameSchema = migrationsOf(snap) === migrationsOf(sqlite) && JSON.stringify(tablesOf(snap)) === JSON.stringify(tables);
        } catch {
          sameSchema = false;
        }
        if (!sameSchema) throw new InvalidSnapshotError('not a snapshot of this store schema (other tables or migrations)');
        const copies = tables.map((t) => {
          const columns = columnsOf(sqlite, t);
          if (JSON.stringify(columnsOf(snap, t)) !== JSON.stringify(columns)) throw new InvalidSnapshotError(`table ${t}: other columns`);
          const list = columns.map(quote).join(', ');
          return {
            read: snap.prepare(`select ${list} from ${quote(t)}`).raw().safeIntegers(),
            insert: sqlite.prepare(`insert into ${quote(t)} (${list}) values (${columns.map(() => '?').join(', ')})`),
          };
        });
        const sequences = snap.prepare('select name, seq from sqlite_sequence').raw().safeIntegers().all() as unknown[][];
        write((_tx, tags) => {
          emptyAll();
          for (const { read, insert } of copies) for (const row of read.iterate() as IterableIterator<unknown[]>) insert.run(row);
          sqlite.prepare('delete from sqlite_sequence').run(); // the inserts above stamped their own counters
          const putSequence = sqlite.prepare('insert into sqlite_sequence (name, seq) values (?, ?)');
          for (const row of sequences) putSequence.run(row);
          tags.add('all');
        });
      } finally {
        snap.close();
      }
    },

    async clearOutbox() {
      write((tx) => void tx.delete(outbox).run());
    },

    sessionsOf: async (userId) => db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt), asc(sessions.id)).all(),
  };
}
