// config → store → migrate → seed-if-empty → listeners → graceful shutdown
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, DIALECT_NAMES, loadConfig, type AppConfig } from './config.ts';
import type { Core } from './core/index.ts';
import type { Policy } from './core/context.ts';
import { systemRandom, type Clock, type ControllableClock, type Random } from './core/ports.ts';
import { startAdmin, type RunningAdmin } from './admin/index.ts';
import { createSeedPreparer } from './admin/fixtures.ts';
import { openConfiguredStore, openTenantStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { createRealm } from './realm.ts';
import { createTenants, type Tenants } from './tenants.ts';
import { defaultFixturesPath, loadFixtures, seed } from './db/seed.ts';
import { loadSecrets } from './secrets.ts';
import { serveOnPort, type Listener } from './http/serve.ts';
import { closeJsonWorker } from './http/python/json.ts';

export interface Gateway {
  core: Core;
  /** The dialect listeners. */
  listeners: Listener[];
  /** The control plane (src/admin/), unless --no-admin. */
  admin?: RunningAdmin;
  /** The default tenant's clock, which its core and every dialect use; the control plane moves it. */
  clock: ControllableClock;
  /** The default realm and the tenants made on first use (X-Dialectgate-Tenant). */
  tenants: Tenants;
  close(): Promise<void>;
}

export interface GatewayOptions {
  clock?: Clock;
  random?: Random;
  policy?: Partial<Policy>;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Keep nothing on disk: SQLite in memory (unless --database-url), secrets and admin token in memory. */
  memory?: boolean;
  /** Warnings for stderr (default console.error): the admin plane beyond loopback. */
  warn?: (line: string) => void;
}

export async function startGateway(config: AppConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const dataDir = resolve(config.dataDir);
  // Checked before anything is created: a bad set stops start-up (a ConfigError, exit 2) with one line per problem.
  const fixtures = loadFixtures(config.fixtures, dataDir);
  if (!opts.memory) prepareDataDir(dataDir, log);
  const opened = await openConfiguredStore(config, opts.memory ? null : dataDir);
  const random = opts.random ?? systemRandom;
  const policy = { usageRetentionMs: config.usageRetentionDays * 86_400_000, ...opts.policy };
  // Each realm's controllable clock runs over the given one (or the wall); the core and every dialect use it.
  const given = opts.clock;
  const wall = given ? () => given.now() : undefined;
  const listeners: Listener[] = [];
  let admin: RunningAdmin | undefined;
  let tenants: Tenants | undefined;
  try {
    const keys = await loadSecrets(opened.secrets, DIALECT_NAMES, random, opts.env ?? process.env);
    const realm = (id: string, store: Store, closeStore: () => Promise<void>) =>
      createRealm({ id, store, config, keys, random, policy, ...(wall && { wall }), closeStore, log });
    const main = realm('default', opened.store, () => opened.close());
    if ((await opened.store.isEmpty()) && (await seed(opened.store, main.core, fixtures.set))) {
      log(`seeded ${opened.describe} with ${fixtures.file === defaultFixturesPath ? 'the development fixtures (fixtures/dev.json)' : `the fixtures ${fixtures.file}`}`);
    }
    // Passwords hashed once per set, for every tenant and every reset.
    const prepare = createSeedPreparer(main.core);
    tenants = createTenants(main, async (id) => {
      const own = await openTenantStore(config, id);
      const r = realm(id, own.store, own.close);
      if (await own.store.isEmpty()) await own.store.seed(await prepare(fixtures.set), r.clock.now());
      return r;
    });
    const limits = { headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs };
    for (const name of config.only) listeners.push(await serveOnPort(name, tenants.fetchFor(name), config.host, config.ports[name], limits));
    admin = await startAdmin({ config, tenants, prepare, random, dataDir, tokenDir: opts.memory ? null : dataDir, listeners, log, warn: opts.warn ?? ((line) => console.error(line)), startedAt: Date.now() });
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    await (tenants ? tenants.close().then(() => tenants!.default.close()) : opened.close());
    throw e;
  }
  const all = tenants;
  for (const l of [...listeners, ...(admin ? [admin.listener] : [])]) log(`${l.name.padEnd(8)} ${l.url}`);
  log(`ready in ${Math.round(performance.now() - started)} ms, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  let closing: Promise<void> | undefined;
  return {
    core: all.default.core,
    listeners,
    ...(admin && { admin }),
    clock: all.default.clock,
    tenants: all,
    close: () =>
      (closing ??= Promise.all([...listeners.map((l) => l.close()), admin?.close()]).then(async () => {
        await all.close();
        await all.default.close();
        await closeJsonWorker();
      })),
  };
}

function prepareDataDir(dataDir: string, log: (line: string) => void): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dirMode = statSync(dataDir).mode & 0o777;
  if (dirMode & 0o077) {
    log(`warning: data directory ${dataDir} is mode 0${dirMode.toString(8).padStart(3, '0')}, open to other users; chmod 700 it (the files in it are 0600)`);
  }
}

/** `dialectgate [serve]` (src/cli.ts) and `npm start`: exit 2 on a configuration error, `--help` on stdout (exit 0). */
export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(argv, env, { warn: (line) => console.error(line) });
  } catch (e) {
    if (e instanceof ConfigError) {
      (e.exitCode === 0 ? console.log : console.error)(e.message);
      process.exit(e.exitCode);
    }
    throw e;
  }
  const gateway = await startGateway(config, { env, log: (line) => console.log(line) }).catch((e: Error) => {
    console.error(e instanceof ConfigError ? e.message : `dialectgate: ${e.message}`);
    process.exit(e instanceof ConfigError ? e.exitCode : 1);
  });
  const stop = (signal: string) => {
    console.log(`${signal}: finishing in-flight requests, then closing the store`);
    gateway.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
