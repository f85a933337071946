// One isolated gateway state (control-plane.md §4, "Tenants"): a store, its own clock, a core over them and every
// dialect's app, each behind the lifecycle gate. The default tenant is one realm; every X-Dialectgate-Tenant is
// another, made on first use. Nothing here is shared between realms but the signing keys and the configuration.
import type { Hono } from 'hono';
import { dialects } from '../dialects/index.ts';
import type { AppConfig, DialectName } from './config.ts';
import { createCore, type Core } from './core/index.ts';
import type { Policy } from './core/context.ts';
import { ControllableClock, type Random } from './core/ports.ts';
import type { Hasher } from './core/passwords.ts';
import type { Store } from './store/store.ts';
import { countAbortsBeforeErrors } from './http/aborts.ts';
import { gateRequests } from './admin/index.ts';
import { createFaults, type Faults } from './http/faults.ts';
import { createJournal, type Journal } from './http/journal.ts';
import { wrap, type Fetch } from './http/listener.ts';

export interface RealmOptions {
  id: string;
  store: Store;
  config: AppConfig;
  keys: Record<string, Uint8Array>;
  random: Random;
  policy: Partial<Policy>;
  /** Tests hash with a fast stand-in; argon2id otherwise. */
  hasher?: Hasher;
  /** The wall the realm's clock runs over (tests inject one); Date.now by default. */
  wall?: () => number;
  /** Runs once the store is closed (a tenant's in-memory database, or its PostgreSQL schema). */
  closeStore(): Promise<void>;
  log: (line: string) => void;
}

export interface Realm {
  readonly id: string;
  readonly store: Store;
  readonly core: Core;
  readonly clock: ControllableClock;
  /** Each served dialect's app (its fetch behind the reset gate). */
  readonly apps: Partial<Record<DialectName, Hono>>;
  /** Each served dialect's answer to a request: journal → faults → the app's gated fetch. */
  readonly fetch: Partial<Record<DialectName, Fetch>>;
  /** The last 1000 dialect requests (GET /__admin/requests). */
  readonly journal: Journal;
  /** Fault and latency rules (/__admin/faults). */
  readonly faults: Faults;
  readonly createdAt: number;
  /** Wall time of the last dialect request (or admin use). */
  lastUsedAt: number;
  /** The fixture set the store was last reset to (null: an object, or a restored snapshot of one). */
  fixtures: string | null;
  close(): Promise<void>;
}

export function createRealm(opts: RealmOptions): Realm {
  const { config, store } = opts;
  const clock = new ControllableClock(opts.wall);
  const core = createCore({ store, clock, random: opts.random, policy: opts.policy, ...(opts.hasher && { hasher: opts.hasher }) });
  // Wall time: a journal entry's `at` is when it arrived, whatever the virtual clock says.
  const journal = createJournal({ enabled: config.journal, ...(opts.wall && { now: opts.wall }) });
  const faults = createFaults({ random: opts.random });
  // A reset clears them unless its `keep` names them; the clock goes back to the wall likewise.
  core.lifecycle.register('journal', () => journal.clear(), 'journal');
  core.lifecycle.register('faults', () => faults.clear(), 'faults');
  core.lifecycle.register('clock', () => clock.reset(), 'clock');
  const apps: Partial<Record<DialectName, Hono>> = {};
  const fetch: Partial<Record<DialectName, Fetch>> = {};
  for (const name of config.only) {
    const app = dialects[name].createApp({ core, config, key: opts.keys[name]! });
    countAbortsBeforeErrors(name, app);
    gateRequests(app, core.lifecycle); // a reset through the admin plane waits for the requests in flight
    apps[name] = app;
    fetch[name] = wrap(name, app.fetch, [journal.layer, faults.layer]);
  }
  const tag = opts.id === 'default' ? '' : ` (tenant ${opts.id})`;
  // API-key uses are written in batches; a second is the most a crash can lose, and close writes the rest.
  const flusher = setInterval(() => void core.apiKeys.flush().catch((e: Error) => opts.log(`usage flush failed${tag}: ${e.message}`)), 1000);
  flusher.unref();
  // Expired sessions and denied jtis can no longer matter; keep the tables small.
  const pruner = setInterval(() => void core.sessions.prune().catch((e: Error) => opts.log(`prune failed${tag}: ${e.message}`)), 10 * 60_000);
  pruner.unref();
  const now = Date.now();
  let closing: Promise<void> | undefined;
  return {
    id: opts.id,
    store,
    core,
    clock,
    apps,
    fetch,
    journal,
    faults,
    createdAt: now,
    lastUsedAt: now,
    fixtures: config.fixtures,
    close: () =>
      (closing ??= (async () => {
        clearInterval(flusher);
        clearInterval(pruner);
        await core.apiKeys.flush();
        await opts.closeStore();
      })()),
  };
}
