// A control-plane rig without a server: a store (SQLite cloned from one seeded copy, or a fresh PostgreSQL schema),
// a ControllableClock over a manual wall, the four dialect apps behind the lifecycle gate, and the admin app.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import { createAdminPlane, type AdminPlane } from '../../src/admin/index.ts';
import { createSeedPreparer } from '../../src/admin/fixtures.ts';
import { createRealm } from '../../src/realm.ts';
import { createTenants, type Tenants } from '../../src/tenants.ts';
import type { AdminAccess } from '../../src/admin/access.ts';
import { defaultConfig, DIALECT_NAMES, type AppConfig, type DialectName } from '../../src/config.ts';
import { createCore, type Core } from '../../src/core/index.ts';
import type { Policy } from '../../src/core/context.ts';
import type { Hasher } from '../../src/core/passwords.ts';
import { ManualClock, seededRandom, type ControllableClock } from '../../src/core/ports.ts';
import { readFixtures, seed } from '../../src/db/seed.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/store.ts';
import { send, T0, testKey, type Port, type Sent } from '../helpers/harness.ts';

export { send, T0 };

export const databaseUrl = process.env.DIALECTGATE_TEST_DATABASE_URL ?? '';
export const skipPostgres = !databaseUrl;

/** A hash of the password (salted, so two hashes differ) that verifies in microseconds: tests only. */
export const fastHasher: Hasher = {
  async hash(password) {
    const salt = randomBytes(8).toString('hex');
    return `fast$${salt}$${createHash('sha256').update(salt + password).digest('hex')}`;
  },
  async verify(stored, password) {
    const [kind, salt, digest] = stored.split('$');
    return kind === 'fast' && createHash('sha256').update(salt + password).digest('hex') === digest;
  },
};

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dialectgate-admin-'));
  dirs.push(d);
  return d;
}

/** A fresh PostgreSQL schema (dropped after the test), migrated and empty. */
export async function postgresSchema(): Promise<{ store: Store; url: string; schema: string }> {
  const { openPostgresStore } = await import('../../src/store/postgres/index.ts');
  const schema = `dg_admin_${randomBytes(5).toString('hex')}`;
  const store = await openPostgresStore({ url: databaseUrl, schema, poolSize: 4 });
  cleanups.push(async () => {
    await store.close();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  });
  return { store, url: databaseUrl, schema };
}

let seeded: Promise<Buffer> | undefined;
/** The development fixtures, seeded once with the fast hasher. */
function seededBytes(): Promise<Buffer> {
  seeded ??= (async () => {
    const store = openSqliteStore(':memory:');
    await seed(store, createCore({ store, clock: new ManualClock(T0), random: seededRandom(1), hasher: fastHasher }), readFixtures());
    const bytes = store.serialize();
    await store.close();
    return bytes;
  })();
  return seeded;
}

export interface Rig {
  core: Core;
  store: Store;
  /** The wall the controllable clock reads (moves only when told). */
  wall: ManualClock;
  clock: ControllableClock;
  config: AppConfig;
  plane: AdminPlane;
  dataDir: string;
  tenants: Tenants;
  /** The default realm's dialect app. */
  app(name: DialectName): Hono;
  /** A dialect port as a listener serves it (the tenant header picks the realm), for `send`. */
  port(name: DialectName): Port;
  /** A request to the admin app; `json` sent as the body. */
  admin(method: string, path: string, opts?: { json?: unknown; body?: string; headers?: Record<string, string> }): Promise<Sent>;
}

export async function makeRig(opts: { store?: 'sqlite' | 'postgres'; config?: Partial<AppConfig>; access?: AdminAccess; policy?: Partial<Policy>; dataDir?: string } = {}): Promise<Rig> {
  const wall = new ManualClock(T0);
  let store: Store;
  let closeStore = async () => {};
  if (opts.store === 'postgres') {
    store = (await postgresSchema()).store;
    await seed(store, createCore({ store, clock: new ManualClock(T0), random: seededRandom(1), hasher: fastHasher }), readFixtures());
  } else {
    const own = openSqliteStore(await seededBytes(), { clock: wall });
    store = own;
    closeStore = () => own.close();
  }
  const config = { ...defaultConfig(), rateLimits: false, ...opts.config };
  const keys = Object.fromEntries(DIALECT_NAMES.map((n) => [n, testKey(n)]));
  const realmOver = (id: string, s: Store, close: () => Promise<void>) =>
    createRealm({ id, store: s, config, keys, random: seededRandom(42), hasher: fastHasher, policy: opts.policy ?? {}, wall: () => wall.now(), closeStore: close, log: () => undefined });
  const realm = realmOver('default', store, closeStore);
  // Tenants: clones of the seeded SQLite copy (SQLite rig) — the same set the default realm starts from.
  const tenants = createTenants(realm, async (id) => {
    const own = openSqliteStore(await seededBytes(), { clock: wall });
    return realmOver(id, own, () => own.close());
  });
  // Before the PostgreSQL schema's own clean-up: the realms flush their usage queues into a live store.
  cleanups.unshift(() => tenants.close().then(() => realm.close()));
  const { core, clock } = realm;
  const dataDir = opts.dataDir ?? tempDir();
  const plane = createAdminPlane({
    tenants,
    prepare: createSeedPreparer(core),
    access: opts.access ?? { loopback: true },
    dataDir,
    fixtures: config.fixtures,
    urls: () => ({ admin: 'http://127.0.0.1:8900' }),
    version: '0.0.0-test',
    startedAt: T0,
  });
  cleanups.push(async () => plane.close());
  return {
    core,
    store,
    wall,
    clock,
    config,
    plane,
    dataDir,
    tenants,
    app: (name) => realm.apps[name]!,
    port: (name) => ({ request: (path, init) => tenants.fetchFor(name)(new Request(new URL(path, 'http://127.0.0.1'), init)) }),
    admin: (method, path, o = {}) => send(plane.app, method, path, o),
  };
}

export const V1 = '/api/v1/auth';
export const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

export async function v1Login(rig: Rig, username = 'admin', password = 'password123'): Promise<string> {
  const r = await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username, password } });
  if (r.status !== 200) throw new Error(`v1auth login ${username}: ${r.status} ${r.text}`);
  return r.json.data.token;
}

export async function fastapiLogin(rig: Rig, username = 'admin', password = 'password123'): Promise<{ access: string; refresh: string }> {
  const r = await send(rig.app('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username, password } });
  if (r.status !== 200) throw new Error(`fastapi login ${username}: ${r.status} ${r.text}`);
  return { access: r.json.data.access_token, refresh: r.json.data.refresh_token };
}

export const v1Get = (rig: Rig, path: string, token: string) => send(rig.app('v1auth'), 'GET', `${V1}${path}`, { token });
