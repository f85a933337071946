// An in-memory gateway per test: a store cloned from one seeded copy, a manual clock and seeded randomness.
import type { Hono } from 'hono';
import { defaultConfig, type AppConfig, type DialectName } from '../../src/config.ts';
import { createCore, type Core } from '../../src/core/index.ts';
import type { Policy } from '../../src/core/context.ts';
import { ManualClock, seededRandom } from '../../src/core/ports.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.ts';
import { readFixtures, seed } from '../../src/db/seed.ts';
import { dialects } from '../../dialects/index.ts';

/** 2025-01-01T00:00:00Z, 08:00:00 in Asia/Shanghai. */
export const T0 = Date.UTC(2025, 0, 1);
/** Fixed keys for tests only, distinct per dialect (the goldens' signatures depend on them). */
const TEST_KEY_BYTES: Record<string, number> = { fastapi: 0x61, flask: 0x66 };
export const testKey = (name: string) => new Uint8Array(32).fill(TEST_KEY_BYTES[name] ?? 0x7a);

let seeded: Promise<Buffer> | undefined;
function seededBytes(): Promise<Buffer> {
  seeded ??= (async () => {
    const store = openSqliteStore(':memory:');
    const core = createCore({ store, clock: new ManualClock(T0), random: seededRandom(1) });
    await seed(store, core, readFixtures());
    const bytes = store.serialize();
    await store.close();
    return bytes;
  })();
  return seeded;
}

export interface TestGateway {
  core: Core;
  store: SqliteStore;
  clock: ManualClock;
  config: AppConfig;
  app(name: DialectName): Hono;
}

/** `empty`: a store that was never seeded (an uninitialised gateway). */
export async function makeGateway(opts: { config?: Partial<AppConfig>; policy?: Partial<Policy>; empty?: boolean } = {}): Promise<TestGateway> {
  const clock = new ManualClock(T0);
  const store = openSqliteStore(opts.empty ? ':memory:' : await seededBytes(), { clock });
  const core = createCore({ store, clock, random: seededRandom(42), policy: opts.policy });
  const config = { ...defaultConfig(), rateLimits: false, ...opts.config };
  const apps = new Map<DialectName, Hono>();
  return {
    core,
    store,
    clock,
    config,
    app(name) {
      let a = apps.get(name);
      if (!a) {
        a = dialects[name].createApp({ core, config, key: testKey(name) });
        apps.set(name, a);
      }
      return a;
    },
  };
}

export interface Sent {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** Sends a request to an app without a server; `json` is serialized with a JSON content type. */
export async function send(
  app: Hono,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; json?: unknown; token?: string } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { ...opts.headers };
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await app.request(path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
