import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import type { ChangeFeed, Tag } from '../store.ts';
import type { Db, Tx, WriteHooks } from './conn.ts';
import { storeVersion } from './schema.ts';

export const CHANNEL = 'dialectgate_changes';
// NOTIFY payloads must stay under 8000 bytes; a longer tag list travels as `all`.
const MAX_PAYLOAD = 7900;

export interface PgFeed extends ChangeFeed, WriteHooks {
  /** Connects the LISTEN connection and starts the poll. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The change feed across processes. Every commit that publishes tags bumps `store_version` (one row) and NOTIFYs
 * `{p: process, s: schema, t: tags, v: version}` in the same transaction. Local subscribers hear a commit's tags
 * synchronously after it (`committed`); a dedicated LISTEN connection hears everyone's, ignores this store's own and
 * those of other schemas, and publishes the rest. Versions are bumped under the row's lock, so notifications arrive
 * in version order: a gap means one was lost, and publishes `all`. As a fallback for a listener that is silently gone,
 * `store_version` is polled every `crossProcessMs` off the request path: a version still ahead of every notification
 * one period later (its notification had that long to arrive) publishes `all`; with the listener down, at once.
 * A reconnected listener publishes `all` (it may have missed anything).
 */
export function createFeed(opts: { db: Db; listenerConfig: pg.ClientConfig; schema: string; crossProcessMs: number }): PgFeed {
  const me = randomUUID();
  const listeners = new Set<(tags: readonly Tag[]) => void>();
  const readVersion = opts.db.select({ v: storeVersion.version }).from(storeVersion).where(eq(storeVersion.id, 1)).prepare('dg_store_version');
  let seen = 0; // the newest version whose commit this process has heard of
  let pending: number | undefined; // a polled version not yet heard of, given one more period
  let listener: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let polling = false;
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let backoff = 100;

  function publish(tags: readonly Tag[]): void {
    for (const l of [...listeners]) {
      try {
        l(tags);
      } catch (e) {
        // A subscriber's bug must not turn a committed write into a failed one.
        console.error('store change feed: a subscriber threw', e);
      }
    }
  }

  const current = async () => (await readVersion.execute())[0]?.v ?? 0;

  function heard(payload: string | undefined): void {
    let m: { p?: unknown; s?: unknown; t?: unknown; v?: unknown };
    try {
      m = JSON.parse(payload ?? '');
    } catch {
      return;
    }
    if (m.s !== opts.schema || typeof m.v !== 'number') return;
    const gap = m.v > seen + 1;
    seen = Math.max(seen, m.v);
    if (gap) publish(['all']);
    else if (m.p !== me && Array.isArray(m.t)) publish(m.t.filter((t): t is string => typeof t === 'string'));
  }

  async function listen(): Promise<void> {
    const c = new pg.Client(opts.listenerConfig);
    c.on('notification', (n) => n.channel === CHANNEL && heard(n.payload));
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    let version: number;
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      // Listening from here; anything committed before is covered by the version read after.
      version = Number((await c.query<{ v: string }>('select version as v from store_version where id = 1')).rows[0]?.v ?? 0);
    } catch (e) {
      await c.end().catch(() => undefined);
      throw e;
    }
    listener = c;
    seen = Math.max(seen, version);
    listening = true;
    backoff = 100;
  }

  function lost(c: pg.Client): void {
    if (listener !== c) return;
    listener = undefined;
    listening = false;
    c.removeAllListeners('notification');
    void c.end().catch(() => undefined);
    reconnect();
  }

  function reconnect(): void {
    if (closed || retry) return;
    retry = setTimeout(async () => {
      retry = undefined;
      try {
        await listen();
        publish(['all']);
      } catch {
        backoff = Math.min(backoff * 2, 5000);
        reconnect();
      }
    }, backoff);
    retry.unref();
  }

  async function poll(): Promise<void> {
    if (polling || closed) return;
    polling = true;
    try {
      const v = await current();
      if (v <= seen) pending = undefined;
      else if (!listening || (pending !== undefined && seen < pending)) {
        seen = v;
        pending = undefined;
        publish(['all']);
      } else pending = v;
    } catch {
      // The database is unreachable: nothing committed that this process could hear of; try again next period.
    } finally {
      polling = false;
    }
  }

  return {
    subscribe(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    check() {},

    async stamp(tx: Tx, tags: readonly Tag[]) {
      let t = JSON.stringify(tags);
      const head = (t2: string) => `{"p":"${me}","s":${JSON.stringify(opts.schema)},"t":${t2},"v":`;
      if (Buffer.byteLength(head(t)) > MAX_PAYLOAD) t = '["all"]';
      await tx.execute(sql`with v as (update ${storeVersion} set version = version + 1 where id = 1 returning version)
        select pg_notify(${CHANNEL}, ${head(t)} || version::text || '}') from v`);
    },
    committed: publish,

    async start() {
      await listen();
      timer = setInterval(() => void poll(), opts.crossProcessMs);
      timer.unref();
    },

    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      if (retry) clearTimeout(retry);
      const c = listener;
      listener = undefined;
      listening = false;
      if (c) await c.end().catch(() => undefined);
    },
  };
}
