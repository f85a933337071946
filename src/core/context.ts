import type { Store } from '../store/store.ts';
import type { Clock, Random } from './ports.ts';
import type { Hasher } from './passwords.ts';
import type { ReadCache } from './read-cache.ts';

/** Lockout and session policy; every figure configurable, defaults from security.md. */
export interface Policy {
  lockThreshold: number;
  lockBaseMs: number;
  lockMaxMs: number;
  failureResetMs: number;
  hardLockAt: number;
  refreshGraceMs: number;
  maxPageSize: number;
  /** How stale another process's commit may be before this one sees it (same-process writes: never). */
  crossProcessCheckMs: number;
  /** How long API-key usage records are kept. */
  usageRetentionMs: number;
}

export const defaultPolicy: Policy = {
  lockThreshold: 5,
  lockBaseMs: 60_000,
  lockMaxMs: 15 * 60_000,
  failureResetMs: 12 * 3600_000,
  hardLockAt: 100,
  refreshGraceMs: 10_000,
  maxPageSize: 1000,
  crossProcessCheckMs: 50,
  usageRetentionMs: 90 * 86_400_000,
};

/** What every core module is built from: the Store port, never a driver. */
export interface CoreContext {
  store: Store;
  clock: Clock;
  random: Random;
  hasher: Hasher;
  policy: Policy;
  /** Hot-path reads, remembered until a write publishes one of their tags. */
  cache: ReadCache;
}

/** The page size the core allows (a house rule for every paged read). */
export const clampPage = (policy: Policy, page: number, pageSize: number) => ({
  page: Math.max(page, 1),
  pageSize: Math.min(Math.max(pageSize, 1), policy.maxPageSize),
});
