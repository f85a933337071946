import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, CoreError, SYSTEM } from '../../src/core/index.ts';
import { openStore } from '../../src/store/sqlite/open.ts';
import { readFixtures, seed } from '../../src/db/seed.ts';
import { ManualClock } from '../../src/core/ports.ts';
import { makeGateway, T0 } from '../helpers/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'dialectgate-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reads are cached only until the store changes', () => {
  it('a write through this core is seen on the next check', async () => {
    const { core } = await makeGateway();
    const s = core.sessions.start(3, 'test', 60_000);
    expect(core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId }).email).toBe('lisi@example.com');
    core.users.update(3, { email: 'changed@example.com' }, SYSTEM);
    expect(core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId }).email).toBe('changed@example.com');
    core.users.update(3, { status: 'inactive' }, SYSTEM);
    expect(() => core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).toThrow(CoreError);
  });

  it('a page of users reflects a write made after it was first read', async () => {
    const { core } = await makeGateway();
    const before = core.users.page({ page: 1, pageSize: 10 });
    expect(before.items.map((i) => i.user.username)).toContain('lisi');
    core.users.update(3, { username: 'lisi_renamed', roleIds: [] }, SYSTEM);
    const after = core.users.page({ page: 1, pageSize: 10 });
    expect(after.items.find((i) => i.user.id === 3)).toMatchObject({ user: { username: 'lisi_renamed' }, roles: [] });
  });

  it('a commit by another process (another connection to the same file) is seen within 50 ms', async () => {
    const file = join(dir, 'shared.db');
    const a = openStore(file);
    const clock = new ManualClock(T0);
    const coreA = createCore({ db: a.db, clock });
    await seed(a.db, coreA, readFixtures());
    const b = openStore(file);
    const coreB = createCore({ db: b.db });

    const s = coreA.sessions.start(3, 'test', 60_000);
    expect(coreA.sessions.checkAccess({ userId: 3, sessionId: s.sessionId }).username).toBe('lisi');
    expect(coreA.sessions.checkAccess({ userId: 3, sessionId: s.sessionId }).username).toBe('lisi'); // cached
    coreB.users.update(3, { status: 'inactive' }, SYSTEM);
    clock.advance(49);
    expect(coreA.sessions.checkAccess({ userId: 3, sessionId: s.sessionId }).username).toBe('lisi'); // the bound
    clock.advance(1);
    expect(() => coreA.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).toThrow(CoreError);
    coreB.users.update(3, { status: 'active' }, SYSTEM);
    clock.advance(50);
    // re-enabling does not resurrect the revoked session
    expect(() => coreA.sessions.checkAccess({ userId: 3, sessionId: s.sessionId })).toThrow(CoreError);
    a.close();
    b.close();
  });
});
