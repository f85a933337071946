// The SQLite adapter of the Store port (src/store/store.ts): one better-sqlite3 connection per process and file.
// Methods return promises but run synchronously inside; every multi-step write is one immediate transaction.
import type { Store } from '../store.ts';
import { createSqliteAdmin } from './admin.ts';
import { createApiKeyStore } from './api-keys.ts';
import { createAuthStore } from './auth.ts';
import { createWrite, type Ctx } from './conn.ts';
import { createDirectoryStore } from './directory.ts';
import { createFactStore } from './facts.ts';
import { createFeed } from './feed.ts';
import { openDatabase } from './open.ts';
import { createRecordStore } from './records.ts';
import { isEmpty, seed } from './seed.ts';
import { createSessionStore } from './sessions.ts';
import { createUserStore } from './users.ts';

export interface SqliteStoreOptions {
  /** How often (ms) `feed.check` looks for another process's commit; default 50. */
  crossProcessMs?: number;
  /** Measures that interval; by default the `now` passed to `feed.check`. */
  clock?: { now(): number };
}

export type SqliteStore = Store & {
  /** The whole database as bytes; tests clone a seeded store from them (`openSqliteStore(bytes)`). */
  serialize(): Buffer;
};

/** Opens (or creates, 0600) the store at `file` (`:memory:` for tests), or from serialized bytes, migrated. */
export function openSqliteStore(file: string | Buffer, opts: SqliteStoreOptions = {}): SqliteStore {
  const { sqlite, db } = openDatabase(file);
  const feed = createFeed(sqlite, opts);
  const ctx: Ctx = { db, write: createWrite(db, feed.publish) };
  const pingStmt = sqlite.prepare('select 1');
  return {
    kind: 'sqlite',
    users: createUserStore(ctx),
    auth: createAuthStore(ctx),
    sessions: createSessionStore(ctx),
    directory: createDirectoryStore(ctx),
    apiKeys: createApiKeyStore(ctx),
    records: createRecordStore(ctx),
    facts: createFactStore(ctx),
    feed: { subscribe: feed.subscribe, check: feed.check },
    isEmpty: async () => isEmpty(ctx),
    seed: async (set, now) => seed(ctx, set, now),
    async ping() {
      try {
        return pingStmt.get() !== undefined;
      } catch {
        return false;
      }
    },
    admin: createSqliteAdmin(sqlite, ctx),
    async close() {
      if (sqlite.open) sqlite.close();
    },
    serialize: () => sqlite.serialize(),
  };
}
