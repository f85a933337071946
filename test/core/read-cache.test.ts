import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, CoreError, SYSTEM } from '../../src/core/index.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { readFixtures, seed } from '../../src/db/seed.ts';
import { ManualClock } from '../../src/core/ports.ts';
import { makeGateway, T0 } from '../helpers/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'dialectgate-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reads are cached only until the store changes', () => {
  it('a load that overlaps a write is answered but not kept', async () => {
    const { core } = await makeGateway();
    const s = await core.sessions.start(3, 'test', 60_000);
    const pending = core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId });
    expect(pending).toBeInstanceOf(Promise);
    await core.users.update(3, { email: 'moved@example.com' }, SYSTEM);
    // The load read the user before the write: its answer is stale, and must not be remembered.
    expect((await pending).email).toBe('lisi@example.com');
    expect((await core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).email).toBe('moved@example.com');
  });

  it('a write through this core is seen on the next check', async () => {
    const { core } = await makeGateway();
    const s = await core.sessions.start(3, 'test', 60_000);
    expect((await core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).email).toBe('lisi@example.com');
    // A hit is synchronous: no promise on the hot path.
    expect(core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).not.toBeInstanceOf(Promise);
    await core.users.update(3, { email: 'changed@example.com' }, SYSTEM);
    expect((await core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).email).toBe('changed@example.com');
    await core.users.update(3, { status: 'inactive' }, SYSTEM);
    await expect(async () => core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).rejects.toThrow(CoreError);
  });

  it('a page of users reflects a write made after it was first read', async () => {
    const { core } = await makeGateway();
    const before = await core.users.page({ page: 1, pageSize: 10 });
    expect(before.items.map((i) => i.user.username)).toContain('lisi');
    await core.users.update(3, { username: 'lisi_renamed', roleIds: [] }, SYSTEM);
    const after = await core.users.page({ page: 1, pageSize: 10 });
    expect(after.items.find((i) => i.user.id === 3)).toMatchObject({ user: { username: 'lisi_renamed' }, roles: [] });
  });

  it('a commit by another process (another connection to the same file) is seen within 50 ms', async () => {
    const file = join(dir, 'shared.db');
    const clock = new ManualClock(T0);
    const a = openSqliteStore(file);
    const coreA = createCore({ store: a, clock });
    await seed(a, coreA, readFixtures());
    const b = openSqliteStore(file);
    const coreB = createCore({ store: b });
    const access = () => coreA.sessions.checkAccess({ userId: 3, sessionId: s.sessionId });

    const s = await coreA.sessions.start(3, 'test', 60_000);
    expect((await access()).username).toBe('lisi');
    expect((access() as { username: string }).username).toBe('lisi'); // cached: synchronous
    await coreB.users.update(3, { status: 'inactive' }, SYSTEM);
    clock.advance(49);
    expect((await access()).username).toBe('lisi'); // the bound
    clock.advance(1);
    await expect(async () => access()).rejects.toThrow(CoreError);
    await coreB.users.update(3, { status: 'active' }, SYSTEM);
    clock.advance(50);
    // re-enabling does not resurrect the revoked session
    await expect(async () => access()).rejects.toThrow(CoreError);
    await a.close();
    await b.close();
  });
});
