// What every part of the SQLite adapter is built from: the one connection, the write helper and the SQL helpers.
import type { RunResult } from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase, SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Page, Tag } from '../store.ts';
import type { Db } from './open.ts';
import type * as schema from './schema.ts';

/** The database or the transaction a helper runs on (both are this one connection). */
export type Conn = BaseSQLiteDatabase<'sync', RunResult, typeof schema>;

/**
 * One immediate transaction (the write lock taken at BEGIN, so a read-modify-write is never interleaved with another
 * process's commit); `fn` adds the tags its changes publish, and they are published after the commit only. A throw
 * rolls everything back and publishes nothing.
 */
export type Write = <T>(fn: (tx: Conn, tags: Set<Tag>) => T) => T;

export interface Ctx {
  /** For reads and prepared statements. Prepared statements belong to the one connection, so inside `write` they
   * read and write within the open transaction. */
  db: Db;
  write: Write;
}

export function createWrite(db: Db, publish: (tags: readonly Tag[]) => void): Write {
  return (fn) => {
    const tags = new Set<Tag>();
    const out = db.transaction((tx) => fn(tx, tags), { behavior: 'immediate' });
    if (tags.size) publish([...tags]);
    return out;
  };
}

/** A LIKE pattern matching `needle` anywhere, its `\`, `%` and `_` taken literally (with `escape '\'`). */
export const likePattern = (needle: string) => '%' + needle.replace(/[\\%_]/g, (c) => '\\' + c) + '%';

/** Case-insensitive substring match (SQLite's LIKE ignores ASCII case). */
export const contains = (column: SQLiteColumn, needle: string): SQL => sql`${column} like ${likePattern(needle)} escape '\\'`;

/** The first row of a page (pages count from 1). */
export const offsetOf = (p: Page) => (Math.max(p.page, 1) - 1) * p.pageSize;
