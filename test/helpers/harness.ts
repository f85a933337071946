// A gateway per test: a store cloned from one seeded copy (SQLite) or a fresh seeded schema (PostgreSQL), a manual
// clock and seeded randomness. Suites that must hold on every store iterate STORE_KINDS.
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { afterEach } from 'vitest';
import { defaultConfig, type AppConfig, type DialectName } from '../../src/config.ts';
import { createCore, type Core } from '../../src/core/index.ts';
import type { Policy } from '../../src/core/context.ts';
import { ManualClock, seededRandom } from '../../src/core/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/store.ts';
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

export type StoreKind = 'sqlite' | 'postgres';
const databaseUrl = process.env.DIALECTGATE_TEST_DATABASE_URL;
/** Every store a store-independent suite runs on: SQLite always, PostgreSQL when a test database is given. */
export const STORE_KINDS: StoreKind[] = databaseUrl ? ['sqlite', 'postgres'] : ['sqlite'];

// PostgreSQL gateways: closed and their schemas dropped after each test (a server has ~100 connections).
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A fresh schema, migrated and seeded exactly as the SQLite copy is (same clock, same randomness). */
async function postgresStore(empty: boolean): Promise<Store> {
  const [{ openPostgresStore }, pg] = await Promise.all([import('../../src/store/postgres/index.ts'), import('pg')]);
  const schema = `dg_t_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url: databaseUrl!, schema, poolSize: 4 });
  cleanups.push(async () => {
    await store.close();
    const client = new pg.default.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  });
  if (!empty) await seed(store, createCore({ store, clock: new ManualClock(T0), random: seededRandom(1) }), readFixtures());
  return store;
}

export interface TestGateway {
  kind: StoreKind;
  core: Core;
  store: Store;
  clock: ManualClock;
  config: AppConfig;
  app(name: DialectName): Hono;
}

/** `empty`: a store that was never seeded (an uninitialised gateway). */
export async function makeGateway(opts: { config?: Partial<AppConfig>; policy?: Partial<Policy>; empty?: boolean; store?: StoreKind } = {}): Promise<TestGateway> {
  const clock = new ManualClock(T0);
  const kind = opts.store ?? 'sqlite';
  if (kind === 'postgres' && !databaseUrl) throw new Error('a PostgreSQL gateway needs DIALECTGATE_TEST_DATABASE_URL');
  const store = kind === 'postgres' ? await postgresStore(opts.empty ?? false) : openSqliteStore(opts.empty ? ':memory:' : await seededBytes(), { clock });
  const core = createCore({ store, clock, random: seededRandom(42), policy: opts.policy });
  const config = { ...defaultConfig(), rateLimits: false, ...opts.config };
  const apps = new Map<DialectName, Hono>();
  return {
    kind,
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

export interface SendOptions<B = string> {
  headers?: Record<string, string>;
  body?: B;
  json?: unknown;
  token?: string;
}

/** The headers and body a test request carries: `json` serialized with a JSON content type, `token` as a Bearer. */
export function requestParts<B>(opts: SendOptions<B>): { headers: Record<string, string>; body: B | string | undefined } {
  const headers: Record<string, string> = { ...opts.headers };
  let body: B | string | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return { headers, body };
}

/** A response as the tests read it: status, headers, the text, and the JSON when it parses. */
export async function sentOf(res: Response): Promise<Sent> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** What `send` needs: a Hono app, or a listener's fetch in the same shape. */
export type Port = { request(path: string, init: RequestInit): Response | Promise<Response> };

/** Sends a request to an app without a server. */
export async function send(app: Port, method: string, path: string, opts: SendOptions = {}): Promise<Sent> {
  const { headers, body } = requestParts(opts);
  return sentOf(await app.request(path, { method, headers, body }));
}
