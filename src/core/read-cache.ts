import type { ChangeFeed, Tag } from '../store/store.ts';
import type { Clock } from './ports.ts';
import { CoreError } from './errors.ts';

const LIMIT = 10_000;

interface Entry {
  value?: unknown;
  error?: CoreError;
  tags: readonly Tag[];
}

/**
 * Hot-path reads (access decisions, permissions, API keys, pages of users) remembered until a write publishes one of
 * their tags. A hit is synchronous (`T`, or a thrown CoreError); a miss is one shared promise per key. Writes of this
 * process publish their tags right after commit (read-your-writes); other processes' commits arrive through the
 * store's change feed within its documented bound. A load that overlaps an invalidation is answered but not kept.
 */
export function createReadCache(feed: ChangeFeed, clock: Clock) {
  const entries = new Map<string, Entry>();
  const keysByTag = new Map<Tag, Set<string>>();
  const loading = new Map<string, Promise<unknown>>();
  let generation = 0;

  function invalidate(tags: readonly Tag[]): void {
    generation++;
    loading.clear();
    if (tags.includes('all')) {
      entries.clear();
      keysByTag.clear();
      return;
    }
    for (const tag of tags) {
      for (const key of keysByTag.get(tag) ?? []) entries.delete(key);
      keysByTag.delete(tag);
    }
  }
  feed.subscribe(invalidate);

  function keep(key: string, entry: Entry): void {
    if (entries.size >= LIMIT) invalidate(['all']);
    entries.set(key, entry);
    for (const tag of entry.tags) {
      let keys = keysByTag.get(tag);
      if (!keys) keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  return {
    /** `tags`: what the value depends on (or a function of the value). Cached values are shared: treat them as read-only. */
    remember<T>(key: string, tags: readonly Tag[] | ((value: T) => readonly Tag[]), load: () => Promise<T>): T | Promise<T> {
      feed.check(clock.now());
      const hit = entries.get(key);
      if (hit) {
        if (hit.error) throw hit.error;
        return hit.value as T;
      }
      const pending = loading.get(key);
      if (pending) return pending as Promise<T>;
      const started = generation;
      const done = () => {
        if (loading.get(key) === promise) loading.delete(key);
      };
      const promise = load().then(
        (value) => {
          done();
          if (generation === started) keep(key, { value, tags: typeof tags === 'function' ? tags(value) : tags });
          return value;
        },
        (e: unknown) => {
          done();
          if (e instanceof CoreError && generation === started && typeof tags !== 'function') keep(key, { error: e, tags });
          throw e;
        },
      );
      loading.set(key, promise);
      return promise;
    },

    /** Forgets everything (a reset, a restore, a lost notification). */
    clear: () => invalidate(['all']),
  };
}
export type ReadCache = ReturnType<typeof createReadCache>;
