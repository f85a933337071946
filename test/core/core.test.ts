import { describe, expect, it } from 'vitest';
import { CoreError, grantMatches, SYSTEM } from '../../src/core/index.ts';
import { makeGateway, T0 } from '../helpers/harness.ts';

const kindOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return e instanceof CoreError ? e.kind : `unexpected ${String(e)}`;
  }
};

/** The CoreError a promise rejects with (fails the test if it resolves). */
const caught = async (p: Promise<unknown>): Promise<CoreError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error('expected a CoreError');
};

describe('core: authenticate and lockout', () => {
  it('tells unknown user, wrong password and disabled apart, in that order', async () => {
    const { core } = await makeGateway();
    const e = await caught(core.auth.authenticate('nobody', 'x'));
    expect([e.kind, e.details.reason]).toEqual(['invalid_credentials', 'unknown_user']);
    const w = await caught(core.auth.authenticate('wangwu', 'wrong'));
    expect([w.kind, w.details.reason]).toEqual(['invalid_credentials', 'bad_password']);
    expect(await kindOf(core.auth.authenticate('wangwu', 'wangwu123'))).toBe('user_disabled');
  });

  it('success records last login and count', async () => {
    const { core, clock } = await makeGateway();
    clock.advance(5000);
    const u = await core.auth.authenticate('lisi', 'lisi1234');
    expect([u.lastLoginAt, u.loginCount]).toEqual([T0 + 5000, 1]);
  });

  it('locks after 5 failures for 1 min, doubling per further 5, capped at 15 min', async () => {
    const { core, clock } = await makeGateway();
    const fail5 = async () => {
      for (let i = 0; i < 5; i++) expect(await kindOf(core.auth.authenticate('lisi', 'bad'))).toBe('invalid_credentials');
    };
    const lockedFor = async () => {
      const start = clock.now();
      // Every lock is a whole number of 30 s steps; a locked probe costs a verify too (timing hides the lock).
      while ((await kindOf(core.auth.authenticate('lisi', 'bad'))) === 'account_locked') clock.advance(30_000);
      // the probe that got through counted as a failure; undo its effect on the timing only
      return clock.now() - start;
    };
    await fail5();
    expect(await lockedFor()).toBe(60_000);
    // 4 more failures (the probe counted one) make 10: 2 minutes
    for (let i = 0; i < 4; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
    expect(await lockedFor()).toBe(120_000);
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 4; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
      await lockedFor();
    }
    for (let i = 0; i < 4; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
    expect(await lockedFor()).toBe(15 * 60_000);
  });

  it('a success resets the count; the count goes stale after 12 h', async () => {
    const { core, clock } = await makeGateway();
    for (let i = 0; i < 4; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
    await core.auth.authenticate('lisi', 'lisi1234');
    for (let i = 0; i < 4; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
    clock.advance(12 * 3600_000 + 1);
    for (let i = 0; i < 4; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
    expect(await kindOf(core.auth.authenticate('lisi', 'lisi1234'))).toBe('ok');
  });

  it('an operator unlock opens a locked account at once', async () => {
    const { core } = await makeGateway();
    for (let i = 0; i < 5; i++) await kindOf(core.auth.authenticate('lisi', 'bad'));
    expect(await kindOf(core.auth.authenticate('lisi', 'lisi1234'))).toBe('account_locked');
    (await core.auth.unlock(3));
    expect(await kindOf(core.auth.authenticate('lisi', 'lisi1234'))).toBe('ok');
  });

  it('passwords over 1024 bytes never reach argon2 and never match', async () => {
    const { core } = await makeGateway();
    expect(await kindOf(core.auth.authenticate('lisi', 'x'.repeat(1025)))).toBe('invalid_credentials');
    expect(await kindOf(core.users.create({ username: 'big', email: null, password: 'é'.repeat(513) }, SYSTEM))).toBe('validation');
    expect(await kindOf(core.users.create({ username: 'empty', email: null, password: '' }, SYSTEM))).toBe('validation');
  });

  it('writes every attempt to the audit log without the password', async () => {
    const { core } = await makeGateway();
    await kindOf(core.auth.authenticate('lisi', 'secret-guess'));
    await core.auth.authenticate('lisi', 'lisi1234');
    const events = (await core.audit.recent()).map((a) => a.event);
    expect(events.slice(0, 2)).toEqual(['login.success', 'login.failure']);
    expect(JSON.stringify((await core.audit.recent()))).not.toContain('secret-guess');
  });
});

describe('core: users', () => {
  it('checks email before username, and refuses unknown roles and departments without writing', async () => {
    const { core } = await makeGateway();
    const dup = await caught(core.users.create({ username: 'lisi', email: 'lisi@example.com', password: 'p4ssword' }, SYSTEM));
    expect([dup.kind, dup.details.field]).toEqual(['conflict', 'email']);
    const dupName = await caught(core.users.create({ username: 'lisi', email: 'other@example.com', password: 'p4ssword' }, SYSTEM));
    expect(dupName.details.field).toBe('username');
    expect(await kindOf(core.users.create({ username: 'r', email: null, password: 'p4ssword', roleIds: [99] }, SYSTEM))).toBe('not_found');
    expect(await kindOf(core.users.create({ username: 'd', email: null, password: 'p4ssword', deptId: 99 }, SYSTEM))).toBe('not_found');
    expect((await core.users.byUsername('r'))).toBeUndefined();
    expect((await core.users.byUsername('d'))).toBeUndefined();
  });

  it('lists newest first with escaped substring filters and a capped page size', async () => {
    const { core, clock } = await makeGateway();
    clock.advance(1000);
    await core.users.create({ username: 'a_b%c', email: 'x@example.com', password: 'p4ssword' }, SYSTEM);
    expect((await core.users.list({ page: 1, pageSize: 2 })).items.map((u) => u.username)).toEqual(['a_b%c', 'opsuser']);
    expect((await core.users.list({ page: 1, pageSize: 10, usernameContains: '_b%' })).items.map((u) => u.username)).toEqual(['a_b%c']);
    expect((await core.users.list({ page: 1, pageSize: 10, usernameContains: '%' })).total).toBe(1);
    expect((await core.users.list({ page: 1, pageSize: 10 ** 9 })).items.length).toBe(8);
  });

  it('a password change revokes sessions and needs the current password', async () => {
    const { core } = await makeGateway();
    const s = (await core.sessions.start(3, 'test', 60_000));
    expect(await kindOf(core.users.changePassword(3, 'wrong', 'newpass123', SYSTEM))).toBe('invalid_credentials');
    await core.users.changePassword(3, 'lisi1234', 'newpass123', SYSTEM);
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: s.sessionId }))).toBe('token_revoked');
    expect(await kindOf(core.auth.authenticate('lisi', 'newpass123'))).toBe('ok');
  });

  it('reset can refuse superusers and mails the password only to the outbox', async () => {
    const { core } = await makeGateway();
    expect(await kindOf(core.users.resetPassword(1, SYSTEM, { refuseSuperuser: true }))).toBe('forbidden');
    const pw = await core.users.resetPassword(3, SYSTEM);
    expect((await core.outbox.list()).map((m) => [m.recipient, m.body.endsWith(pw)])).toEqual([['lisi@example.com', true]]);
    expect(JSON.stringify((await core.audit.recent()))).not.toContain(pw);
  });
});

describe('core: sessions', () => {
  it('a revocation is exact to the millisecond: a session started the same millisecond before it dies with it', async () => {
    const { core } = await makeGateway();
    const before = (await core.sessions.start(3, 'test', 60_000));
    (await core.sessions.revokeUser(3, 'test'));
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: before.sessionId }))).toBe('token_revoked');
    const after = (await core.sessions.start(3, 'test', 60_000));
    expect((await core.sessions.checkAccess({ userId: 3, sessionId: after.sessionId })).id).toBe(3);
  });

  it('a denied jti and a revoked session are refused; another session of the user is not', async () => {
    const { core } = await makeGateway();
    const a = (await core.sessions.start(3, 'test', 60_000));
    const b = (await core.sessions.start(3, 'test', 60_000));
    (await core.sessions.revokeSession(a.sessionId, 'logout'));
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: a.sessionId }))).toBe('token_revoked');
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: b.sessionId }))).toBe('ok');
    (await core.sessions.denyJti('j1', Date.now() + 1000));
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: b.sessionId, jti: 'j1' }))).toBe('token_revoked');
    // a session belongs to one user
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 2, sessionId: b.sessionId }))).toBe('token_revoked');
  });

  it('rotation: successor works, grace reuse is harmless, late reuse kills the family, unknown jti is invalid', async () => {
    const { core, clock } = await makeGateway();
    const s = (await core.sessions.start(3, 'test', 60_000));
    const r1 = (await core.sessions.rotate(s.sessionId, s.refreshJti, 60_000));
    expect(await kindOf(() => core.sessions.rotate(s.sessionId, 'made-up', 60_000))).toBe('token_invalid');
    expect(await kindOf(() => core.sessions.rotate(s.sessionId, s.refreshJti, 60_000))).toBe('token_reused');
    const r2 = (await core.sessions.rotate(s.sessionId, r1.refreshJti, 60_000));
    clock.advance(10_001);
    expect(await kindOf(() => core.sessions.rotate(s.sessionId, r1.refreshJti, 60_000))).toBe('token_revoked');
    expect(await kindOf(() => core.sessions.rotate(s.sessionId, r2.refreshJti, 60_000))).toBe('token_revoked');
  });

  it('a session expires', async () => {
    const { core, clock } = await makeGateway();
    const s = (await core.sessions.start(3, 'test', 60_000));
    clock.advance(60_000);
    expect(await kindOf(() => core.sessions.rotate(s.sessionId, s.refreshJti, 60_000))).toBe('token_expired');
  });
});

describe('core: directory', () => {
  it('matches API grants by method and full path, with {param} segments', () => {
    const g = { method: 'GET', path: '/api/v1/users/{id}' };
    expect(grantMatches(g, 'GET', '/api/v1/users/7')).toBe(true);
    expect(grantMatches(g, 'GET', '/api/v1/users/7/x')).toBe(false);
    expect(grantMatches(g, 'POST', '/api/v1/users/7')).toBe(false);
    expect(grantMatches({ method: 'GET', path: '/a.b' }, 'GET', '/aXb')).toBe(false);
  });

  it('collects a user\'s grants through its roles, de-duplicated', async () => {
    const { core } = await makeGateway();
    expect((await core.directory.apiGrants(3)).map((g) => `${g.method} ${g.path}`)).toEqual(['GET /api/v1/users/list', 'GET /api/v1/users/get']);
    expect((await core.directory.apiGrants(2))).toHaveLength(6);
    expect((await core.directory.apiGrants(1))).toEqual([]);
  });
});

describe('core: concurrent logins', () => {
  it('parallel correct logins of one account all succeed (no false lockout)', async () => {
    const { core } = await makeGateway();
    const results = await Promise.all(Array.from({ length: 12 }, () => kindOf(core.auth.authenticate('lisi', 'lisi1234'))));
    expect(results).toEqual(Array(12).fill('ok'));
  });

  it('parallel guesses mixed with the right password: exactly the failures count', async () => {
    const { core } = await makeGateway();
    const tries = ['bad', 'bad', 'lisi1234', 'bad', 'bad', 'bad', 'bad'];
    const results = await Promise.all(tries.map((p) => kindOf(core.auth.authenticate('lisi', p))));
    // in arrival order: 2 failures, a success that resets, then 4 failures: no lock yet
    expect(results).toEqual(['invalid_credentials', 'invalid_credentials', 'ok', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials']);
  });
});

describe('core: roles, permissions, departments', () => {
  it('creates a role with permissions, renames it, and its holders see the new grants at once', async () => {
    const { core } = await makeGateway();
    const perm = (await core.directory.createPermission({ name: 'GET /api/v1/users/{id}', category: 'api', method: 'GET', path: '/api/v1/users/{id}' }));
    const role = (await core.directory.createRole({ name: 'auditor', description: 'reads', permissionIds: [perm.id] }));
    await core.users.create({ username: 'aud', email: null, password: 'aud12345', roleIds: [role.id] }, SYSTEM);
    const aud = (await core.users.byUsername('aud'))!;
    expect((await core.directory.apiGrants(aud.id))).toEqual([{ method: 'GET', path: '/api/v1/users/{id}' }]);
    (await core.directory.updateRole(role.id, { name: 'auditors', permissionIds: [] }));
    expect((await core.directory.apiGrants(aud.id))).toEqual([]);
    expect((await core.directory.role(role.id))?.name).toBe('auditors');
  });

  it('refuses duplicates, unknown permissions and deleting a built-in role', async () => {
    const { core } = await makeGateway();
    expect(await kindOf(() => core.directory.createRole({ name: '管理员' }))).toBe('conflict');
    expect(await kindOf(() => core.directory.createRole({ name: 'x', permissionIds: [999] }))).toBe('not_found');
    expect((await core.directory.roleByName('x'))).toBeUndefined();
    expect(await kindOf(() => core.directory.createPermission({ name: 'GET /api/v1/users/list' }))).toBe('conflict');
    expect(await kindOf(() => core.directory.createDepartment({ name: '研发部' }))).toBe('conflict');
    const builtin = (await core.directory.createRole({ name: 'root', builtin: true }));
    expect(await kindOf(() => core.directory.deleteRole(builtin.id))).toBe('forbidden');
    expect(await kindOf(() => core.directory.updateRole(999, { name: 'y' }))).toBe('not_found');
  });

  it('deleting a role takes it from its holders', async () => {
    const { core } = await makeGateway();
    (await core.directory.deleteRole(2)); // 普通用户
    expect((await core.directory.rolesOf([3])).get(3)).toEqual([]);
    expect((await core.directory.departments([1])).get(1)?.name).toBe('研发部');
  });
});

describe('core: pruning', () => {
  it('drops expired sessions with their spent tokens, and denied jtis past expiry; live ones stay', async () => {
    const { core, clock } = await makeGateway();
    const old = (await core.sessions.start(3, 'test', 60_000));
    (await core.sessions.rotate(old.sessionId, old.refreshJti, 60_000));
    const live = (await core.sessions.start(3, 'test', 3_600_000));
    (await core.sessions.denyJti('gone', clock.now() + 1000));
    (await core.sessions.denyJti('kept', clock.now() + 3_600_000));
    clock.advance(120_000);
    expect((await core.sessions.prune())).toEqual({ sessions: 1, denied: 1 });
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: live.sessionId }))).toBe('ok');
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: live.sessionId, jti: 'kept' }))).toBe('token_revoked');
    expect(await kindOf(() => core.sessions.checkAccess({ userId: 3, sessionId: old.sessionId }))).toBe('token_revoked');
    expect((await core.sessions.prune())).toEqual({ sessions: 0, denied: 0 });
  });
});
