// The PostgreSQL adapter of the Store port (src/store/store.ts), for several gateway processes on one database: a pool
// of connections (node-postgres), every multi-step write one transaction with the rows that decide it locked, and a
// change feed across processes (LISTEN/NOTIFY, with a polled version row as the fallback).
import { sql } from 'drizzle-orm';
import type { Store } from '../store.ts';
import { createPostgresAdmin } from './admin.ts';
import { createApiKeyStore } from './api-keys.ts';
import { createAuthStore } from './auth.ts';
import { createWrite, type Ctx } from './conn.ts';
import { createDirectoryStore } from './directory.ts';
import { createFactStore } from './facts.ts';
import { createFeed } from './feed.ts';
import { connect, reason, type PostgresStoreOptions } from './open.ts';
import { createRecordStore } from './records.ts';
import { createSecrets } from './secrets.ts';
import { isEmpty, seed } from './seed.ts';
import { createSessionStore } from './sessions.ts';
import { createUserStore } from './users.ts';

export type { PostgresStoreOptions } from './open.ts';
export { dropSchema } from './open.ts';

export type PostgresStore = Store & {
  /** The schema the store lives in. */
  readonly schema: string;
  /** A secret shared by every process on this store, generated once (see secrets.ts). */
  loadOrCreateSecret(name: string, generate: () => string): Promise<string>;
};

/** Connects, migrates (under an advisory lock), starts the change feed. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  const conn = await connect(opts);
  const { db, pool } = conn;
  const feed = createFeed({ db, listenerConfig: conn.listenerConfig, schema: conn.schema, crossProcessMs: opts.crossProcessMs ?? 50 });
  try {
    await feed.start();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL store: cannot listen on ${conn.target}: ${reason(e)}`, { cause: e });
  }
  const ctx: Ctx = { db, write: createWrite(db, feed) };
  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    schema: conn.schema,
    users: createUserStore(ctx),
    auth: createAuthStore(ctx),
    sessions: createSessionStore(ctx),
    directory: createDirectoryStore(ctx),
    apiKeys: createApiKeyStore(ctx),
    records: createRecordStore(ctx),
    facts: createFactStore(ctx),
    feed: { subscribe: feed.subscribe, check: feed.check },
    isEmpty: () => isEmpty(ctx),
    seed: (set, now) => seed(ctx, set, now),
    loadOrCreateSecret: createSecrets(db, conn.schema),
    admin: createPostgresAdmin(ctx, conn.schema),
    async ping() {
      try {
        await db.execute(sql`select 1`);
        return true;
      } catch {
        return false;
      }
    },
    close() {
      closed ??= feed.close().then(() => pool.end());
      return closed;
    },
  };
}
