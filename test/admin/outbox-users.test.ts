// The outbox (list with filters, one mail, the long-poll wait, clear) and per-user security (view, unlock,
// revoke-sessions), through the admin API.
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/core/index.ts';
import { makeRig, send, T0, V1, v1Get, v1Login, fastapiLogin, type Rig } from './support.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const resetPassword = async (rig: Rig, userId: number, token?: string) =>
  send(rig.app('v1auth'), 'POST', `${V1}/users/${userId}/reset-password`, { token: token ?? (await v1Login(rig)), json: { send_email: true } });

describe('outbox', () => {
  it('lists mails oldest first with their secret, filters by to (any case), kind, since, after, limit; one by id', async () => {
    const rig = await makeRig();
    const admin = await v1Login(rig);
    const first = await resetPassword(rig, 3, admin); // lisi
    rig.wall.advance(1000);
    await resetPassword(rig, 4, admin); // wangwu
    const reset = await rig.core.users.resetPassword(3, SYSTEM); // fastapi's reset: a new password, mailed
    const all = (await rig.admin('GET', '/__admin/outbox')).json.items;
    expect(all.map((m: { id: number }) => m.id)).toEqual([1, 2, 3]);
    expect(all[0]).toEqual({
      id: 1,
      at: iso(T0),
      to: 'lisi@example.com',
      kind: 'temporary_password',
      subject: 'Your temporary password',
      body: `Hello lisi, your temporary password is: ${first.json.data.temporary_password}`,
      secret: first.json.data.temporary_password,
    });
    expect(all[2].kind).toBe('password_reset');
    expect(all[2].secret).toBe(reset);
    const ids = async (q: string) => (await rig.admin('GET', `/__admin/outbox${q}`)).json.items.map((m: { id: number }) => m.id);
    expect(await ids('?to=LISI@example.com')).toEqual([1, 3]);
    expect(await ids('?kind=temporary_password')).toEqual([1, 2]);
    expect(await ids(`?since=${encodeURIComponent(iso(T0 + 1000))}`)).toEqual([2, 3]);
    expect(await ids(`?since=${T0 + 1000}`)).toEqual([2, 3]);
    expect(await ids('?after=1')).toEqual([2, 3]);
    expect(await ids('?limit=1')).toEqual([3]);
    expect(await ids('?to=lisi@example.com&kind=password_reset')).toEqual([3]);
    expect((await rig.admin('GET', '/__admin/outbox/2')).json.to).toBe('wangwu@example.com');
    for (const bad of ['/__admin/outbox/99', '/__admin/outbox/x']) expect((await rig.admin('GET', bad)).status).toBe(404);
    expect((await rig.admin('GET', '/__admin/outbox?since=soon')).status).toBe(400);
    expect((await rig.admin('GET', '/__admin/outbox?limit=0')).status).toBe(400);
  });

  it('the secret logs in (the spec §5 example, without a server)', async () => {
    const rig = await makeRig();
    await resetPassword(rig, 3);
    const mail = await rig.admin('POST', '/__admin/outbox/wait', { json: { to: 'lisi@example.com', kind: 'temporary_password', timeout_ms: 2000 } });
    expect(mail.status).toBe(200);
    expect((await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: mail.json.secret } })).status).toBe(200);
  });

  it('wait answers as soon as a matching mail arrives (a reset-password from v1auth)', async () => {
    const rig = await makeRig();
    const admin = await v1Login(rig);
    const started = Date.now();
    const waiting = rig.admin('POST', '/__admin/outbox/wait', { json: { to: 'wangwu@example.com', after: 0, timeout_ms: 5000 } });
    await new Promise((r) => setTimeout(r, 50));
    await resetPassword(rig, 3, admin); // not for wangwu
    await new Promise((r) => setTimeout(r, 50));
    await resetPassword(rig, 4, admin);
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 2, to: 'wangwu@example.com', kind: 'temporary_password' });
    expect(Date.now() - started).toBeLessThan(1500);
    // at once when one matches already; the newest match
    await resetPassword(rig, 4, admin);
    const now = await rig.admin('POST', '/__admin/outbox/wait', { json: { to: 'wangwu@example.com', timeout_ms: 0 } });
    expect(now.json.id).toBe(3);
  });

  it('wait is 408 timeout after timeout_ms; timeout_ms over 60000 is 400', async () => {
    const rig = await makeRig();
    const started = Date.now();
    const r = await rig.admin('POST', '/__admin/outbox/wait', { json: { kind: 'password_reset', timeout_ms: 120 } });
    expect([r.status, r.json.error.code]).toEqual([408, 'timeout']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await rig.admin('POST', '/__admin/outbox/wait', { json: { timeout_ms: 60_001 } })).status).toBe(400);
  });

  it('a closing plane ends the waits', async () => {
    const rig = await makeRig();
    const waiting = rig.admin('POST', '/__admin/outbox/wait', { json: { timeout_ms: 10_000 } });
    await new Promise((r) => setTimeout(r, 30));
    rig.plane.close();
    expect((await waiting).status).toBe(503);
  });

  it('DELETE empties it (204); ids keep rising', async () => {
    const rig = await makeRig();
    await resetPassword(rig, 3);
    const del = await rig.admin('DELETE', '/__admin/outbox');
    expect([del.status, del.text]).toEqual([204, '']);
    expect((await rig.admin('GET', '/__admin/outbox')).json).toEqual({ items: [] });
    await resetPassword(rig, 3);
    expect((await rig.admin('GET', '/__admin/outbox')).json.items.map((m: { id: number }) => m.id)).toEqual([2]);
  });
});

describe('users', () => {
  it('security view by username or id: lockout and sessions', async () => {
    const rig = await makeRig();
    await v1Login(rig, 'lisi', 'lisi1234');
    await fastapiLogin(rig, 'lisi', 'lisi1234');
    await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'wrong' } });
    const view = (await rig.admin('GET', '/__admin/users/lisi/security')).json;
    expect(view.user).toEqual({ id: 3, username: 'lisi' });
    expect(view.lockout).toEqual({ locked: false, locked_until: null, failures: 1 });
    expect(view.sessions.map((s: { dialect: string }) => s.dialect)).toEqual(['v1auth', 'fastapi']);
    expect(view.sessions[0]).toEqual({ id: expect.any(String), dialect: 'v1auth', expires_at: iso(T0 + 86_400_000), revoked_at: null });
    expect((await rig.admin('GET', '/__admin/users/3/security')).json).toEqual(view);
    expect((await rig.admin('GET', '/__admin/users/nobody/security')).status).toBe(404);
  });

  it('unlock clears a lock (the hard one too) and answers the view', async () => {
    const rig = await makeRig({ policy: { hardLockAt: 3 } });
    for (let i = 0; i < 3; i++) await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'wrong' } });
    expect((await rig.admin('GET', '/__admin/users/lisi/security')).json.lockout).toEqual({ locked: true, locked_until: null, failures: 3 });
    const r = await rig.admin('POST', '/__admin/users/lisi/unlock');
    expect(r.status).toBe(200);
    expect(r.json.lockout).toEqual({ locked: false, locked_until: null, failures: 0 });
    expect((await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'lisi1234' } })).status).toBe(200);
    expect((await rig.admin('POST', '/__admin/users/nobody/unlock')).status).toBe(404);
  });

  it('revoke-sessions: every token of the user dies on every dialect; answers {revoked}', async () => {
    const rig = await makeRig();
    const v1 = await v1Login(rig);
    const fa = await fastapiLogin(rig);
    const flask = (await send(rig.app('flask'), 'POST', '/api/auth/login', { json: { username: 'admin', password: 'password123' } })).json.data.refresh_token;
    expect((await v1Get(rig, '/users/1', v1)).status).toBe(200);
    expect((await send(rig.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fa.access })).status).toBe(200);
    const r = await rig.admin('POST', '/__admin/users/admin/revoke-sessions');
    expect(r.json).toEqual({ revoked: 3 });
    expect((await v1Get(rig, '/users/1', v1)).status).toBe(401);
    expect((await send(rig.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fa.access })).status).toBe(401);
    expect((await send(rig.app('flask'), 'POST', '/api/auth/refresh', { headers: { authorization: `Bearer ${flask}` } })).status).toBe(401);
    const view = (await rig.admin('GET', '/__admin/users/admin/security')).json;
    expect(view.sessions.every((s: { revoked_at: string | null }) => s.revoked_at === iso(T0))).toBe(true);
    expect((await rig.admin('POST', '/__admin/users/admin/revoke-sessions')).json).toEqual({ revoked: 0 });
  });
});
