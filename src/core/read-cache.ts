import type { Db } from '../store/sqlite/open.ts';
import type { Clock } from './ports.ts';
import { CoreError } from './errors.ts';

const LIMIT = 10_000;

interface RawStatement {
  raw(): { get(): unknown[] };
}

/**
 * Remembers reads (access decisions, pages of users) until the store changes. Every write by this process moves SQLite's
 * `total_changes()` (checked on every call, 0.4 µs), so a revocation, disable, delete or profile change
 * made through any dialect is seen on the very next request. Commits by other processes on the same file
 * move `data_version`, which costs a pager read, so it is re-read at most every `crossProcessMs`.
 * On a store without those counters nothing is cached.
 */
export function createReadCache(db: Db, clock: Clock, crossProcessMs: number) {
  const client = (db as unknown as { $client?: { prepare?: (sql: string) => RawStatement } }).$client;
  let totalChanges: (() => unknown) | undefined;
  let dataVersion: (() => unknown) | undefined;
  try {
    const tc = client?.prepare?.('select total_changes()').raw();
    const dv = client?.prepare?.('pragma data_version').raw();
    if (tc && dv) {
      totalChanges = () => tc.get()[0];
      dataVersion = () => dv.get()[0];
    }
  } catch {
    totalChanges = undefined;
  }
  let version: unknown;
  let versionReadAt = -Infinity;
  // Cached values are shared between callers: they must be treated as read-only.
  const entries = new Map<string, { stamp: string; value?: unknown; error?: CoreError }>();

  function stamp(): string {
    const now = clock.now();
    if (now - versionReadAt >= crossProcessMs || now < versionReadAt) {
      version = dataVersion!();
      versionReadAt = now;
    }
    return `${totalChanges!()}:${version}`;
  }

  return {
    remember<T>(key: string, decide: () => T): T {
      if (!totalChanges) return decide();
      const now = stamp();
      const hit = entries.get(key);
      if (hit && hit.stamp === now) {
        if (hit.error) throw hit.error;
        return hit.value as T;
      }
      if (entries.size >= LIMIT) entries.clear();
      try {
        const value = decide();
        entries.set(key, { stamp: now, value });
        return value;
      } catch (e) {
        if (e instanceof CoreError) entries.set(key, { stamp: now, error: e });
        throw e;
      }
    },
  };
}
export type ReadCache = ReturnType<typeof createReadCache>;
