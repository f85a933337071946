import type Database from 'better-sqlite3';
import type { ChangeFeed, Tag } from '../store.ts';

export interface SqliteFeed extends ChangeFeed {
  /** Tells every subscriber, synchronously (after a local commit). */
  publish(tags: readonly Tag[]): void;
}

/**
 * The change feed of one SQLite connection. Local writes publish their tags right after commit. Another process's
 * commit on the same file moves `pragma data_version` (this connection's own commits never do); reading it costs a
 * pager check, so `check` reads it at most every `crossProcessMs` and publishes `all` when it moved. No timers.
 * The interval is measured with `clock` when given, else with the `now` the caller passes.
 */
export function createFeed(sqlite: Database.Database, opts: { crossProcessMs?: number; clock?: { now(): number } }): SqliteFeed {
  const every = opts.crossProcessMs ?? 50;
  const listeners = new Set<(tags: readonly Tag[]) => void>();
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  let version: unknown = dataVersion.get();
  let readAt = -Infinity;

  function publish(tags: readonly Tag[]): void {
    for (const listener of [...listeners]) {
      try {
        listener(tags);
      } catch (e) {
        // A subscriber's bug must not turn a committed write into a failed one.
        console.error('store change feed: a subscriber threw', e);
      }
    }
  }

  return {
    publish,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    check(now) {
      const t = opts.clock ? opts.clock.now() : now;
      if (t - readAt < every && t >= readAt) return;
      if (!sqlite.open) return;
      readAt = t;
      const v = dataVersion.get();
      if (v === version) return;
      version = v;
      publish(['all']);
    },
  };
}
