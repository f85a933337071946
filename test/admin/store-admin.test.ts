// StoreAdmin on both adapters: reset to a fixture set, and "snapshot → writes → restore gives back exactly the
// snapshot" (every table's rows and the id counters). SQLite always (in memory and on disk, WAL), PostgreSQL when
// DIALECTGATE_TEST_DATABASE_URL is set.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, SYSTEM } from '../../src/core/index.ts';
import { ManualClock, seededRandom } from '../../src/core/ports.ts';
import { readFixtures, seed } from '../../src/db/seed.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { InvalidSnapshotError, type SeedSet, type Store } from '../../src/store/store.ts';
import { T0 } from '../helpers/harness.ts';
import { fastHasher, postgresSchema, skipPostgres } from './support.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Dump = Record<string, unknown[]>;

/** Every table's rows (sorted) and the id counters, read beside the store. */
async function dumpSqlite(store: Store): Promise<Dump> {
  const db = new Database(await store.admin.snapshot());
  try {
    const names = (db.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map((r) => r.name);
    return Object.fromEntries(names.map((n) => [n, (db.prepare(`select * from "${n}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort()]));
  } finally {
    db.close();
  }
}

async function dumpPostgres(url: string, schema: string): Promise<Dump> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Dump = {};
    const tables = (await c.query<{ t: string }>('select tablename as t from pg_tables where schemaname = $1 order by 1', [schema])).rows;
    for (const { t } of tables.filter(({ t }) => t !== 'store_version')) out[t] = (await c.query(`select * from "${schema}"."${t}"`)).rows.map((r) => JSON.stringify(r)).sort();
    for (const { s } of (await c.query<{ s: string }>('select sequencename as s from pg_sequences where schemaname = $1 order by 1', [schema])).rows) {
      out[`seq:${s}`] = (await c.query(`select last_value, is_called from "${schema}"."${s}"`)).rows;
    }
    return out;
  } finally {
    await c.end();
  }
}

/** Writes touching every kind of row: users, roles, sessions, spent and denied tokens, counters, keys, usage, mail, audit. */
async function scribble(store: Store): Promise<void> {
  const clock = new ManualClock(T0 + 3_600_000);
  const core = createCore({ store, clock, random: seededRandom(7), hasher: fastHasher });
  const u = await core.users.create({ username: 'scribble', email: 'scribble@example.com', password: 'Passw0rd!x' }, SYSTEM);
  const s = await core.sessions.start(u.id, 'v1auth', 60_000);
  await core.sessions.rotate(s.sessionId, s.refreshJti, 60_000);
  await core.sessions.denyJti('some-jti', T0 + 7_200_000);
  await core.auth.authenticate('lisi', 'wrong').catch(() => undefined);
  const { record } = await core.apiKeys.create(u.id, { name: 'k', permissions: [], expiresInDays: 1 }, SYSTEM);
  core.apiKeys.recordUse({ keyId: record.id, endpoint: '/x', status: 200, ip: null, at: clock.now() });
  await core.apiKeys.flush();
  await core.users.issueTemporaryPassword(3, { ttlMs: 60_000, mail: true }, SYSTEM);
  await core.directory.createDepartment({ name: 'scribbled' });
  await core.users.delete(2, SYSTEM).catch(() => undefined);
}

const tinySet: SeedSet = {
  departments: [{ name: 'only', description: null }],
  permissions: [{ name: 'p', category: 'general', description: null, method: null, path: null }],
  roles: [{ name: 'r', description: null, builtin: false, permissions: ['p'] }],
  users: [
    { uuid: '00000000-0000-4000-8000-000000000001', username: 'solo', email: 'solo@example.com', passwordHash: 'h', status: 'active', isSuperuser: true, deptId: null, alias: null, phone: null, realName: null, position: null, roles: ['r'], department: 'only' },
  ],
};

async function seeded(store: Store): Promise<Store> {
  await seed(store, createCore({ store, clock: new ManualClock(T0), random: seededRandom(1), hasher: fastHasher }), readFixtures());
  return store;
}

function suite(name: string, open: () => Promise<{ store: Store; dump: () => Promise<Dump> }>) {
  describe(name, () => {
    it('snapshot → writes → restore gives back exactly the snapshot, id counters included', async () => {
      const { store, dump } = await open();
      const before = await dump();
      const bytes = await store.admin.snapshot();
      await scribble(store);
      const changed = await dump();
      expect(changed).not.toEqual(before);
      await store.admin.restore(bytes);
      expect(await dump()).toEqual(before);
      // The counters came back too: the next user gets the id it would have had.
      const a = await store.users.create({ uuid: 'u-1', username: 'next', email: 'next@example.com', passwordHash: 'h', status: 'active', isSuperuser: false, deptId: null, alias: null, phone: null, realName: null, position: null }, [], T0);
      await store.admin.restore(bytes);
      const b = await store.users.create({ uuid: 'u-1', username: 'next', email: 'next@example.com', passwordHash: 'h', status: 'active', isSuperuser: false, deptId: null, alias: null, phone: null, realName: null, position: null }, [], T0);
      expect(b.id).toBe(a.id);
    });

    it('a restore publishes `all`, and bytes that are no snapshot change nothing', async () => {
      const { store, dump } = await open();
      const heard: (readonly string[])[] = [];
      store.feed.subscribe((t) => heard.push(t));
      const bytes = await store.admin.snapshot();
      await store.admin.restore(bytes);
      expect(heard.some((t) => t.includes('all'))).toBe(true);
      const before = await dump();
      await expect(store.admin.restore(Buffer.from('not a snapshot'))).rejects.toBeInstanceOf(InvalidSnapshotError);
      expect(await dump()).toEqual(before);
    });

    it('reset replaces every table with the set, counters restarted, and publishes `all`', async () => {
      const { store } = await open();
      await scribble(store);
      const heard: (readonly string[])[] = [];
      store.feed.subscribe((t) => heard.push(t));
      await store.admin.reset(tinySet, T0);
      expect(heard.some((t) => t.includes('all'))).toBe(true);
      const users = await store.users.list({ page: 1, pageSize: 10 });
      expect(users.items.map((u) => [u.id, u.username])).toEqual([[1, 'solo']]);
      expect(await store.records.mails()).toEqual([]);
      expect(await store.records.recentAudit(10)).toEqual([]);
      expect(await store.facts.has('initialised')).toBe(true);
      expect((await store.directory.rolesOf([1])).get(1)?.map((r) => r.name)).toEqual(['r']);
      // A set that does not hold changes nothing.
      await expect(store.admin.reset({ ...tinySet, users: [{ ...tinySet.users[0]!, roles: ['missing'] }] }, T0)).rejects.toThrow();
      expect((await store.users.list({ page: 1, pageSize: 10 })).items.map((u) => u.username)).toEqual(['solo']);
    });

    it('clears the outbox (ids keep rising) and lists a user’s sessions', async () => {
      const { store } = await open();
      await store.records.mail({ at: T0, recipient: 'a@example.com', subject: 's', body: 'b', kind: 'k' });
      const first = (await store.records.mails())[0]!.id;
      await store.admin.clearOutbox();
      expect(await store.records.mails()).toEqual([]);
      await store.records.mail({ at: T0, recipient: 'a@example.com', subject: 's', body: 'b', kind: 'k' });
      expect((await store.records.mails())[0]!.id).toBeGreaterThan(first);
      await store.sessions.start({ id: 's2', userId: 3, audience: 'flask', currentJti: 'j2', createdAt: T0 + 1, expiresAt: T0 + 10 });
      await store.sessions.start({ id: 's1', userId: 3, audience: 'v1auth', currentJti: 'j1', createdAt: T0, expiresAt: T0 + 10 });
      expect((await store.admin.sessionsOf(3)).map((s) => [s.id, s.audience])).toEqual([
        ['s1', 'v1auth'],
        ['s2', 'flask'],
      ]);
      expect(await store.admin.sessionsOf(999)).toEqual([]);
    });
  });
}

suite('sqlite in memory', async () => {
  const store = await seeded(openSqliteStore(':memory:'));
  return { store, dump: () => dumpSqlite(store) };
});

suite('sqlite on disk (WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialectgate-admin-store-'));
  dirs.push(dir);
  const store = await seeded(openSqliteStore(join(dir, 'gateway.db')));
  return { store, dump: () => dumpSqlite(store) };
});

describe.skipIf(skipPostgres)('postgres', () => {
  suite('postgres schema', async () => {
    const { store, url, schema } = await postgresSchema();
    await seeded(store);
    return { store, dump: () => dumpPostgres(url, schema) };
  });
});
