// What every part of the store conformance suite shares: a fresh store per test with a small fixture made through
// the port itself, and helpers for errors and change-feed tags.
import { afterEach, beforeEach, expect } from 'vitest';
import { CoreError, type ErrorKind } from '../../../src/core/errors.ts';
import type { ApiKey, Department, NewUserRow, Permission, Role, Store, Tag, UserRow } from '../../../src/store/store.ts';

export interface MadeStore {
  store: Store;
  /** Closes the store and removes what it made (runs after every twin was closed). */
  cleanup(): Promise<void>;
  /**
   * Another instance on the same database, as a second gateway process would open it; only for adapters that serve
   * several processes on one database (not SQLite: one process per file). The suite closes it.
   */
  twin?(): Promise<Store>;
}
export type MakeStore = () => Promise<MadeStore>;

/** 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);
export const DAY = 86_400_000;

export interface Fixture {
  dept: { eng: Department; sales: Department };
  perm: { read: Permission; write: Permission; keys: Permission };
  role: { admin: Role; viewer: Role; editor: Role };
  /** root: superuser (admin); alice: active, viewer + editor, eng; bob: active, no role, sales; carol: inactive; dave: locked. */
  user: { root: UserRow; alice: UserRow; bob: UserRow; carol: UserRow; dave: UserRow };
}

export interface Harness {
  /** The store of the running test, with the fixture loaded. */
  readonly store: Store;
  readonly fx: Fixture;
  /** Another store for this test, empty (never seeded nor initialised); cleaned up with the test. */
  fresh(): Promise<Store>;
  /** A second instance on the test's database, or undefined when the adapter has none. */
  twin(): Promise<Store | undefined>;
}

let uuids = 0;
/** A new user's fields: active, no department, a distinct uuid; `over` wins. */
export function newUser(username: string, over: Partial<NewUserRow> = {}): NewUserRow {
  uuids++;
  return {
    uuid: `00000000-0000-4000-8000-${String(uuids).padStart(12, '0')}`,
    username,
    email: `${username}@example.com`,
    passwordHash: `hash-of-${username}`,
    status: 'active',
    isSuperuser: false,
    deptId: null,
    alias: null,
    phone: null,
    realName: null,
    position: null,
    ...over,
  };
}

export function newKey(userId: number, name: string, over: Partial<Omit<ApiKey, 'id' | 'lastUsedAt' | 'lastIp'>> = {}): Omit<ApiKey, 'id' | 'lastUsedAt' | 'lastIp'> {
  return {
    userId,
    name,
    description: null,
    keyHash: `digest-of-${name}-${userId}`,
    prefix: 'ak_0123ab',
    status: 'active',
    permissions: ['read'],
    expiresAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export async function loadFixture(store: Store): Promise<Fixture> {
  const d = store.directory;
  const eng = await d.createDepartment({ name: 'Engineering', description: 'builds', parentId: 0 }, T0);
  const sales = await d.createDepartment({ name: 'Sales', description: null, parentId: 0 }, T0);
  const read = await d.createPermission({ name: 'users:read', category: 'users', description: 'list users', method: 'GET', path: '/users' }, T0);
  const write = await d.createPermission({ name: 'users:write', category: 'users', description: null, method: 'POST', path: '/users' }, T0);
  const keys = await d.createPermission({ name: 'keys:read', category: 'keys', description: null, method: 'GET', path: '/keys/{id}' }, T0);
  const admin = await d.createRole({ name: 'admin', description: 'everything', builtin: true, permissionIds: [read.id, write.id, keys.id] }, T0);
  const viewer = await d.createRole({ name: 'viewer', description: null, builtin: false, permissionIds: [read.id] }, T0);
  const editor = await d.createRole({ name: 'editor', description: null, builtin: false, permissionIds: [read.id, write.id] }, T0);
  const u = store.users;
  const root = await u.create(newUser('root', { isSuperuser: true }), [admin.id], T0 + 1);
  const alice = await u.create(newUser('alice', { deptId: eng.id, realName: 'Alice A.' }), [viewer.id, editor.id], T0 + 2);
  const bob = await u.create(newUser('bob', { email: 'Bob@Example.org', deptId: sales.id }), [], T0 + 3);
  const carol = await u.create(newUser('carol', { email: null, status: 'inactive' }), [viewer.id], T0 + 4);
  const dave = await u.create(newUser('dave', { status: 'locked' }), [], T0 + 5);
  return { dept: { eng, sales }, perm: { read, write, keys }, role: { admin, viewer, editor }, user: { root, alice, bob, carol, dave } };
}

/** Registers the hooks: a fresh store with the fixture before each test, everything cleaned up after it. */
export function useStore(makeStore: MakeStore): Harness {
  let current: { store: Store; fx: Fixture; made: MadeStore } | undefined;
  let cleanups: (() => Promise<void>)[] = [];
  const make = async () => {
    const made = await makeStore();
    cleanups.push(made.cleanup);
    return made;
  };
  beforeEach(async () => {
    const made = await make();
    current = { store: made.store, fx: await loadFixture(made.store), made };
  });
  afterEach(async () => {
    const pending = cleanups;
    cleanups = [];
    current = undefined;
    for (const c of pending.reverse()) await c();
  });
  return {
    get store() {
      return current!.store;
    },
    get fx() {
      return current!.fx;
    },
    fresh: async () => (await make()).store,
    async twin() {
      const twin = await current!.made.twin?.();
      if (twin) cleanups.push(() => twin.close());
      return twin;
    },
  };
}

/** The CoreError `p` rejects with, checked against `kind` and (at least) `details`. */
export async function expectCoreError(p: Promise<unknown>, kind: ErrorKind, details?: Record<string, unknown>): Promise<CoreError> {
  const outcome = await p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected CoreError ${kind}, got a result: ${JSON.stringify(outcome.value)}`);
  const e = outcome.error;
  if (!(e instanceof CoreError)) throw new Error(`expected CoreError ${kind}, got ${String(e)}`, { cause: e });
  expect(e.kind).toBe(kind);
  if (details) expect(e.details).toMatchObject(details);
  return e;
}

/** Every tag published while `fn` ran (in order, batches flattened), and its result. */
export async function recordTags<T>(store: Store, fn: () => Promise<T>): Promise<{ tags: Tag[]; result: T }> {
  const tags: Tag[] = [];
  const off = store.feed.subscribe((batch) => tags.push(...batch));
  try {
    return { tags, result: await fn() };
  } finally {
    off();
  }
}

/** The tags `fn` published, at least `expected` among them. */
export async function expectTags(store: Store, fn: () => Promise<unknown>, expected: Tag[]): Promise<Tag[]> {
  const { tags } = await recordTags(store, fn);
  expect(tags).toEqual(expect.arrayContaining(expected));
  return tags;
}

export const forbid = (): never => {
  throw new CoreError('forbidden', { reason: 'test guard' });
};
export const allow = () => {};

export const names = (rows: { username: string }[]) => rows.map((r) => r.username);
