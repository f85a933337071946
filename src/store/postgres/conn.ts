// What every part of the PostgreSQL adapter is built from: the pool's drizzle handle, the write helper (one
// transaction on one connection, tags published after commit) and the SQL helpers.
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { CoreError } from '../../core/errors.ts';
import type { Page, Tag } from '../store.ts';
import type * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A transaction: everything a write does goes through it, never through the pool. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Conn = Db | Tx;

/**
 * One transaction on one pooled connection; `fn` adds the tags its changes publish. With tags, the same transaction
 * bumps `store_version` and NOTIFYs (delivered on commit), and after the commit the local subscribers hear the tags
 * before the write resolves (read-your-writes). A throw rolls everything back and publishes nothing.
 */
export type Write = <T>(fn: (tx: Tx, tags: Set<Tag>) => Promise<T>) => Promise<T>;

export interface Ctx {
  /** For reads and prepared statements (each on any pooled connection). */
  db: Db;
  write: Write;
}

/** What the feed does around a write: stamp inside the transaction, publish after the commit. */
export interface WriteHooks {
  stamp(tx: Tx, tags: readonly Tag[]): Promise<void>;
  committed(tags: readonly Tag[]): void;
}

export function createWrite(db: Db, hooks: WriteHooks): Write {
  return async (fn) => {
    const tags = new Set<Tag>();
    let out;
    try {
      out = await db.transaction(async (tx) => {
        const r = await fn(tx, tags);
        // Last, so the version row is locked only from here to the commit.
        if (tags.size) await hooks.stamp(tx, [...tags]);
        return r;
      });
    } catch (e) {
      throw translate(e);
    }
    if (tags.size) hooks.committed([...tags]);
    return out;
  };
}

/** Runs reads that must agree (a count and its page) in one read-only snapshot. */
export const snapshot = <T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> =>
  db.transaction(fn, { isolationLevel: 'repeatable read', accessMode: 'read only' });

/** The PostgreSQL error under drizzle's DrizzleQueryError wrapper, if any. */
export function pgError(e: unknown): { code?: string; constraint?: string; message: string } | undefined {
  for (let c: unknown = e, i = 0; c instanceof Error && i < 5; c = c.cause, i++) {
    if (typeof (c as { code?: unknown }).code === 'string' && 'severity' in c) return c as unknown as { code: string; constraint?: string; message: string };
  }
  return undefined;
}

// A unique violation racing past a method's pre-check is the same conflict the pre-check would have thrown.
const CONFLICTS: Record<string, Record<string, unknown>> = {
  users_email_unique: { field: 'email' },
  users_username_unique: { field: 'username' },
  roles_name_unique: { field: 'name' },
  permissions_name_unique: { field: 'name' },
  departments_name_unique: { field: 'name' },
};

/**
 * A write's error as the core should see it: a racing unique violation as its conflict, any other database error as
 * PostgreSQL's own (code, message) without drizzle's wrapper, whose message lists the query's parameters (password
 * hashes among them) for any log to keep.
 */
export function translate(e: unknown): unknown {
  const pg = pgError(e);
  if (!pg) return isDrizzleQueryError(e) && e.cause instanceof Error ? e.cause : e;
  if (pg.code === '23505' && pg.constraint && CONFLICTS[pg.constraint]) return new CoreError('conflict', CONFLICTS[pg.constraint]);
  return pg;
}

const isDrizzleQueryError = (e: unknown): e is Error => e instanceof Error && 'query' in e && 'params' in e;

/** A LIKE pattern matching `needle` anywhere, its `\`, `%` and `_` taken literally (with `escape '\'`). */
export const likePattern = (needle: string) => '%' + needle.replace(/[\\%_]/g, (c) => '\\' + c) + '%';

/** Case-insensitive substring match (PostgreSQL's LIKE is case-sensitive, so ILIKE). */
export const contains = (column: PgColumn, needle: string): SQL => sql`${column} ilike ${likePattern(needle)} escape '\\'`;

/** The first row of a page (pages count from 1). */
export const offsetOf = (p: Page) => (Math.max(p.page, 1) - 1) * p.pageSize;

/** `column = any($ids)`: one statement (and one prepared plan) whatever the number of ids. */
// (A bare array in drizzle's sql`` would expand into a list of parameters; sql.param keeps it one array parameter.)
export const anyInt = (column: PgColumn, ids: number[] | Placeholder): SQL =>
  sql`${column} = any(${Array.isArray(ids) ? sql.param(ids) : ids}::int[])`;
export const anyText = (column: PgColumn, values: string[]): SQL => sql`${column} = any(${sql.param(values)}::text[])`;
