import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Tag } from '../../src/store/store.ts';
import { storeSuite } from './suite/index.ts';
import { allow, loadFixture, newUser, T0 } from './suite/harness.ts';

storeSuite('sqlite', async () => {
  const store = openSqliteStore(':memory:');
  return { store, cleanup: () => store.close() };
});

// What only the SQLite adapter has: a file shared by two connections, serialized bytes, file modes.
describe('sqlite store: the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialectgate-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('check publishes all once another connection committed, reading data_version at most every crossProcessMs', async () => {
    const file = join(dir, 'shared.db');
    const a = openSqliteStore(file);
    const b = openSqliteStore(file);
    const heard: (readonly Tag[])[] = [];
    a.feed.subscribe((t) => heard.push(t));
    a.feed.check(T0); // reads the version now
    await b.users.create(newUser('elsewhere'), [], T0);
    a.feed.check(T0 + 49);
    expect(heard).toEqual([]);
    a.feed.check(T0 + 50);
    expect(heard).toEqual([['all']]);
    a.feed.check(T0 + 200);
    expect(heard).toHaveLength(1); // nothing new
    // This connection's own commits never move data_version: they published their own tags.
    await a.users.create(newUser('here'), [], T0);
    a.feed.check(T0 + 400);
    expect(heard.filter((t) => t.includes('all'))).toHaveLength(1);
    expect((await a.users.byUsername('elsewhere'))!.username).toBe('elsewhere');
    await a.close();
    await b.close();
  });

  it('crossProcessMs and clock are options', async () => {
    const file = join(dir, 'options.db');
    let t = T0;
    const a = openSqliteStore(file, { crossProcessMs: 1000, clock: { now: () => t } });
    const b = openSqliteStore(file);
    const heard: (readonly Tag[])[] = [];
    a.feed.subscribe((x) => heard.push(x));
    a.feed.check(0);
    await b.users.create(newUser('x'), [], T0);
    t += 999;
    a.feed.check(Number.MAX_SAFE_INTEGER); // the argument is ignored when a clock is given
    expect(heard).toEqual([]);
    t += 1;
    a.feed.check(0);
    expect(heard).toEqual([['all']]);
    await a.close();
    await b.close();
  });

  it('serialize gives bytes a new store opens as a copy', async () => {
    const a = openSqliteStore(':memory:');
    const fx = await loadFixture(a);
    const copy = openSqliteStore(a.serialize());
    expect(await copy.users.byId(fx.user.alice.id)).toEqual(fx.user.alice);
    await copy.users.update(fx.user.alice.id, { alias: 'copy only' }, undefined, T0, allow);
    expect((await a.users.byId(fx.user.alice.id))!.alias).toBeNull();
    expect(await copy.facts.has('initialised')).toBe(true);
    await a.close();
    await copy.close();
  });

  it('a store file and its -wal and -shm are readable by the owner only', async () => {
    const file = join(dir, 'private.db');
    const s = openSqliteStore(file);
    await s.users.create(newUser('u'), [], T0);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777).toBe(0o600);
    await s.close();
    expect(await s.ping()).toBe(false);
  });
});
