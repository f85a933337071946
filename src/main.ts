// config → store → migrate → seed-if-empty → listeners → graceful shutdown
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dialects } from '../dialects/index.ts';
import { ConfigError, DIALECT_NAMES, loadConfig, type AppConfig } from './config.ts';
import { createCore, type Core } from './core/index.ts';
import type { Policy } from './core/context.ts';
import { ControllableClock, systemRandom, type Clock, type Random } from './core/ports.ts';
import { gateRequests, startAdmin, type RunningAdmin } from './admin/index.ts';
import { openConfiguredStore } from './store/open.ts';
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
  /** The clock the core and every dialect use; the control plane moves it. */
  clock: ControllableClock;
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
  const { store } = opened;
  const random = opts.random ?? systemRandom;
  const policy = { usageRetentionMs: config.usageRetentionDays * 86_400_000, ...opts.policy };
  // One controllable clock over the given one (or the wall), for the core and, through core.clock, every dialect.
  const given = opts.clock;
  const clock = new ControllableClock(given ? () => given.now() : undefined);
  const core = createCore({ store, clock, random, policy });
  const listeners: Listener[] = [];
  let admin: RunningAdmin | undefined;
  try {
    if ((await store.isEmpty()) && (await seed(store, core, fixtures.set))) {
      log(`seeded ${opened.describe} with ${fixtures.file === defaultFixturesPath ? 'the development fixtures (fixtures/dev.json)' : `the fixtures ${fixtures.file}`}`);
    }
    const keys = await loadSecrets(opened.secrets, DIALECT_NAMES, random, opts.env ?? process.env);
    for (const name of config.only) {
      const app = dialects[name].createApp({ core, config, key: keys[name]! });
      gateRequests(app, core.lifecycle); // a reset through the admin plane waits for the requests in flight
      const limits = { headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs };
      listeners.push(await serveOnPort(name, app, config.host, config.ports[name], limits));
    }
    admin = await startAdmin({ config, core, store, clock, random, dataDir, tokenDir: opts.memory ? null : dataDir, listeners, log, warn: opts.warn ?? ((line) => console.error(line)), startedAt: Date.now() });
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    await opened.close();
    throw e;
  }
  // API-key uses are written in batches; a second is the most a crash can lose, and close writes the rest.
  const flusher = setInterval(() => void core.apiKeys.flush().catch((e: Error) => log(`usage flush failed: ${e.message}`)), 1000);
  flusher.unref();
  // Expired sessions and denied jtis can no longer matter; keep the tables small.
  const pruner = setInterval(() => void core.sessions.prune().catch((e: Error) => log(`prune failed: ${e.message}`)), 10 * 60_000);
  pruner.unref();
  for (const l of [...listeners, ...(admin ? [admin.listener] : [])]) log(`${l.name.padEnd(8)} ${l.url}`);
  log(`ready in ${Math.round(performance.now() - started)} ms, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  let closing: Promise<void> | undefined;
  return {
    core,
    listeners,
    ...(admin && { admin }),
    clock,
    close: () =>
      (closing ??= Promise.all([...listeners.map((l) => l.close()), admin?.close()]).then(async () => {
        clearInterval(flusher);
        clearInterval(pruner);
        await core.apiKeys.flush();
        await opened.close();
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
