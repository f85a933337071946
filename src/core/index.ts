import type { Store } from '../store/store.ts';
import { createAudit } from './audit.ts';
import { createAuth } from './auth.ts';
import { defaultPolicy, type CoreContext, type Policy } from './context.ts';
import { createDirectory } from './directory.ts';
import { createOutbox } from './outbox.ts';
import { argon2Hasher, type Hasher } from './passwords.ts';
import { systemClock, systemRandom, wallOf, type Clock, type Random } from './ports.ts';
import { createLifecycle } from './lifecycle.ts';
import { createSessions } from './sessions.ts';
import { createUsers } from './users.ts';
import { createReadCache } from './read-cache.ts';
import { createApiKeys } from './api-keys.ts';

export interface CoreOptions {
  store: Store;
  clock?: Clock;
  random?: Random;
  hasher?: Hasher;
  policy?: Partial<Policy>;
}

/** The identity core: plain TypeScript over the Store port; no HTTP, no dialect, no driver. */
export function createCore(opts: CoreOptions) {
  const clock = opts.clock ?? systemClock;
  const policy = { ...defaultPolicy, ...opts.policy };
  const ctx: CoreContext = {
    store: opts.store,
    clock,
    random: opts.random ?? systemRandom,
    hasher: opts.hasher ?? argon2Hasher,
    policy,
    // The feed's cross-process interval is real time, whatever a virtual clock does.
    cache: createReadCache(opts.store.feed, { now: () => wallOf(clock) }),
  };
  const audit = createAudit(ctx);
  const outbox = createOutbox(ctx);
  const directory = createDirectory(ctx);
  const sessions = createSessions(ctx, audit);
  const apiKeys = createApiKeys(ctx, audit, { usageRetentionMs: policy.usageRetentionMs, flushEvery: 500 });
  const auth = createAuth(ctx, audit);
  const users = createUsers(ctx, { audit, directory, outbox, auth });
  /** In-process state a reset of the store clears (dialects register theirs: JWT memos, rate-limit windows). */
  const lifecycle = createLifecycle();
  lifecycle.register('read cache', () => ctx.cache.clear());
  lifecycle.register('api-key usage queue', { settle: () => apiKeys.discardQueued(), clear: () => void apiKeys.discardQueued() });
  /** True when the store answers (health checks). */
  const storeReachable = (): Promise<boolean> => ctx.store.ping();
  return { clock: ctx.clock, random: ctx.random, hasher: ctx.hasher, policy, lifecycle, storeReachable, audit, outbox, directory, sessions, users, auth, apiKeys };
}
export type Core = ReturnType<typeof createCore>;

export { CoreError, isCoreError, type ErrorKind } from './errors.ts';
export { ANONYMOUS, SYSTEM, asUser, type Actor } from './actor.ts';
export type { User } from './users-view.ts';
export type { Role, Permission, Department, ApiGrant } from './directory.ts';
export { grantMatches } from './directory.ts';
export type { ApiKey, ApiKeyStatus, KeyStats } from './api-keys.ts';
export type { Lifecycle, StatePart } from './lifecycle.ts';
