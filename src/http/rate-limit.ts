import type { Clock } from '../core/ports.ts';

/** Fixed-window counter per key (as slowapi's default strategy), in policy time. Memory is pruned as windows end. */
export function createRateLimiter(opts: { limit: number; windowMs: number; clock: Clock }) {
  const windows = new Map<string, { start: number; hits: number }>();
  let lastPrune = opts.clock.now();
  return {
    /** Counts a hit; false when the key is over its limit in the current window. */
    hit(key: string): boolean {
      const now = opts.clock.now();
      if (now - lastPrune > opts.windowMs) {
        for (const [k, w] of windows) if (now - w.start >= opts.windowMs) windows.delete(k);
        lastPrune = now;
      }
      let w = windows.get(key);
      if (!w || now - w.start >= opts.windowMs) {
        w = { start: now, hits: 0 };
        windows.set(key, w);
      }
      w.hits += 1;
      return w.hits <= opts.limit;
    },
    /** Forgets every window (a reset of the store, through the core's lifecycle). */
    clear(): void {
      windows.clear();
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
