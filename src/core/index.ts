import { sql } from 'drizzle-orm';
import type { Db } from '../store/sqlite/open.ts';
import { createAudit } from './audit.ts';
import { createAuth } from './auth.ts';
import { defaultPolicy, type CoreContext, type Policy } from './context.ts';
import { createDirectory } from './directory.ts';
import { createOutbox } from './outbox.ts';
import { argon2Hasher, type Hasher } from './passwords.ts';
import { systemClock, systemRandom, type Clock, type Random } from './ports.ts';
import { createSessions } from './sessions.ts';
import { createUsers } from './users.ts';
import { createReadCache } from './read-cache.ts';
import { createApiKeys } from './api-keys.ts';
import { createFacts } from './facts.ts';

export interface CoreOptions {
  db: Db;
  clock?: Clock;
  random?: Random;
  hasher?: Hasher;
  policy?: Partial<Policy>;
}

/** The identity core: plain TypeScript over the store, no HTTP, no dialect. */
export function createCore(opts: CoreOptions) {
  const clock = opts.clock ?? systemClock;
  const policy = { ...defaultPolicy, ...opts.policy };
  const ctx: CoreContext = {
    db: opts.db,
    clock,
    random: opts.random ?? systemRandom,
    hasher: opts.hasher ?? argon2Hasher,
    policy,
    cache: createReadCache(opts.db, clock, policy.crossProcessCheckMs),
  };
  const audit = createAudit(ctx);
  const outbox = createOutbox(ctx);
  const directory = createDirectory(ctx);
  const sessions = createSessions(ctx, audit);
  const apiKeys = createApiKeys(ctx, audit, { usageRetentionMs: policy.usageRetentionMs, flushEvery: 500 });
  const facts = createFacts(ctx);
  const auth = createAuth(ctx, audit);
  const users = createUsers(ctx, { audit, directory, sessions, outbox, apiKeys, facts, auth });
  /** True when the store answers (health checks). */
  const ping = ctx.db.select({ ok: sql<number>`1` }).from(sql`(select 1)`).prepare();
  const storeReachable = (): boolean => {
    try {
      return ping.get() !== undefined;
    } catch {
      return false;
    }
  };
  return { clock: ctx.clock, random: ctx.random, storeReachable, facts, audit, outbox, directory, sessions, users, auth, apiKeys };
}
export type Core = ReturnType<typeof createCore>;

export { CoreError, isCoreError, type ErrorKind } from './errors.ts';
export { ANONYMOUS, SYSTEM, asUser, type Actor } from './actor.ts';
export type { User } from './users-view.ts';
export type { Role, Permission, Department, ApiGrant } from './directory.ts';
export { grantMatches } from './directory.ts';
export type { ApiKey, ApiKeyStatus, KeyStats } from './api-keys.ts';
