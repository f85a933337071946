// Every dialect notes why it refused a request (decisions.ts): the core's real kind and details, even where the wire
// answer is a 200 or a generic message, and every token failure; and whose request it was (noteUser).
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/core/index.ts';
import { ControllableClock, issueToken } from '../../src/core/ports.ts';
import { denialOf, expiryDetails, noteDenial, noteUser, userOf, type Denial } from '../../src/http/decisions.ts';
import { signHs256 } from '../../src/http/jwt.ts';
import { DEV_PASSWORDS, fastapiLogin } from '../helpers/fastapi.ts';
import { makeGateway, T0 } from '../helpers/harness.ts';
import { V1, v1Login } from '../helpers/v1auth.ts';

interface Seen {
  status: number;
  body: string;
  denial: Denial | undefined;
  user: string | undefined;
}

/** Sends one request through the app and reads what was noted against that very Request. */
async function call(app: Hono, method: string, path: string, opts: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Seen> {
  const headers = { ...opts.headers, ...(opts.json !== undefined && { 'content-type': 'application/json' }) };
  const request = new Request(`http://localhost${path}`, { method, headers, ...(opts.json !== undefined && { body: JSON.stringify(opts.json) }) });
  const res = await app.fetch(request);
  return { status: res.status, body: await res.text(), denial: denialOf(request), user: userOf(request) };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** 2025-01-01T04:00:00Z: the end of a fastapi access token signed at T0 (240 minutes). */
const FOUR_HOURS = new Date(T0 + 240 * 60_000).toISOString();

describe('fastapi notes', () => {
  it('a wrong password (400 密码错误!), an unknown user, a locked account with its end', async () => {
    const gw = await makeGateway();
    const app = gw.app('fastapi');
    const login = (username: string, password: string) => call(app, 'POST', '/api/v1/base/access_token', { json: { username, password } });
    expect(await login('lisi', 'wrong')).toMatchObject({ status: 400, denial: { kind: 'invalid_credentials', details: { reason: 'bad_password' } }, user: 'lisi' });
    expect(await login('nobody', 'x')).toMatchObject({ denial: { kind: 'invalid_credentials', details: { reason: 'unknown_user' } }, user: 'nobody' });
    for (let i = 1; i < gw.core.policy.lockThreshold; i++) await login('lisi', 'wrong');
    const locked = await login('lisi', DEV_PASSWORDS.lisi!);
    expect(locked.denial?.kind).toBe('account_locked');
    expect(locked.denial?.details.locked_until).toBe(new Date(T0 + gw.core.policy.lockBaseMs).toISOString());
  });

  it('a successful login names its user and notes no denial', async () => {
    const gw = await makeGateway();
    const ok = await call(gw.app('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username: 'admin', password: DEV_PASSWORDS.admin } });
    expect([ok.status, ok.denial, ok.user]).toEqual([200, undefined, 'admin']);
  });

  it('token failures: missing, malformed, expired (with its end, by the wall clock), a refresh token as access', async () => {
    const gw = await makeGateway();
    const app = gw.app('fastapi');
    const { access, refresh } = await fastapiLogin(app, 'admin');
    const userinfo = (headers: Record<string, string> = {}) => call(app, 'GET', '/api/v1/base/userinfo', { headers });
    expect((await userinfo()).denial).toEqual({ kind: 'token_invalid', details: { reason: 'missing' } });
    expect((await userinfo(bearer('a.b.c'))).denial).toEqual({ kind: 'token_invalid', details: { reason: 'malformed' } });
    expect((await userinfo(bearer(refresh))).denial).toEqual({ kind: 'token_invalid', details: { reason: 'token_type' } });
    const fine = await userinfo(bearer(access));
    expect([fine.status, fine.denial, fine.user]).toEqual([200, undefined, 'admin']);
    const refreshed = await call(app, 'POST', '/api/v1/base/refresh_token', { json: { refresh_token: access } });
    expect([refreshed.status, refreshed.denial]).toEqual([401, { kind: 'token_invalid', details: { reason: 'token_type' } }]);
    gw.clock.advance(241 * 60_000);
    const expired = await userinfo(bearer(access));
    expect([expired.status, expired.denial]).toEqual([401, { kind: 'token_expired', details: { expired_at: FOUR_HOURS, clock: 'wall' } }]);
  });

  it("the session check's real reason behind 认证失败, and RBAC refusals", async () => {
    const gw = await makeGateway();
    const app = gw.app('fastapi');
    const lisi = await fastapiLogin(app, 'lisi');
    const denied = await call(app, 'DELETE', '/api/v1/users/delete?user_id=3', { headers: bearer(lisi.access) });
    expect([denied.status, denied.denial, denied.user]).toEqual([403, { kind: 'forbidden', details: { reason: 'permission', missing: 'DELETE /api/v1/users/delete' } }, 'lisi']);
    const ops = await fastapiLogin(app, 'opsuser');
    const noRole = await call(app, 'GET', '/api/v1/users/list', { headers: bearer(ops.access) });
    expect([noRole.status, noRole.denial]).toEqual([403, { kind: 'forbidden', details: { reason: 'no_role' } }]);

    const lisiUser = await gw.core.users.byUsername('lisi');
    await gw.core.users.update(lisiUser!.id, { status: 'inactive' }, SYSTEM);
    const gone = await call(app, 'GET', '/api/v1/base/userinfo', { headers: bearer(lisi.access) });
    expect([gone.status, JSON.parse(gone.body).msg, gone.denial]).toEqual([401, '认证失败', { kind: 'token_revoked', details: { reason: 'user_inactive' } }]);
  });

  it("a users operation's core refusal behind its 400 message", async () => {
    const gw = await makeGateway();
    const app = gw.app('fastapi');
    const zhang = await fastapiLogin(app, 'zhangsan'); // 管理员: every /users route, but not a superuser
    const reset = await call(app, 'POST', '/api/v1/users/reset_password', { json: { user_id: 1 }, headers: bearer(zhang.access) });
    expect([reset.status, JSON.parse(reset.body).msg, reset.denial?.kind]).toEqual([400, '重置密码失败', 'forbidden']);
    const missing = await call(app, 'GET', '/api/v1/users/get?user_id=999', { headers: bearer(zhang.access) });
    expect([missing.status, missing.denial]).toEqual([400, { kind: 'not_found', details: { entity: 'user', id: 999 } }]);
  });
});

describe('flask notes', () => {
  it('a failed login answers 200 登录失败 and is still noted; a disabled account 账号被禁用', async () => {
    const gw = await makeGateway();
    const app = gw.app('flask');
    const failed = await call(app, 'POST', '/api/auth/login', { json: { username: 'licheng.zhou9', password: 'wrong' } });
    expect([failed.status, JSON.parse(failed.body).msg, failed.denial, failed.user]).toEqual([
      200,
      '登录失败',
      { kind: 'invalid_credentials', details: { reason: 'bad_password' } },
      'licheng.zhou9',
    ]);
    const disabled = await call(app, 'POST', '/api/auth/login', { json: { username: 'wangwu', password: DEV_PASSWORDS.wangwu } });
    expect([disabled.status, disabled.denial?.kind]).toEqual([200, 'user_disabled']);
  });

  it('refresh: the library refusals as token failures, a revoked session by its core kind', async () => {
    const gw = await makeGateway();
    const app = gw.app('flask');
    const refresh = (headers: Record<string, string> = {}) => call(app, 'POST', '/api/auth/refresh', { headers });
    expect((await refresh()).denial).toEqual({ kind: 'token_invalid', details: { reason: 'missing', message: 'Missing Authorization Header' } });
    expect((await refresh(bearer('x.y'))).denial).toEqual({ kind: 'token_invalid', details: { reason: 'malformed', message: 'Not enough segments' } });
    const login = await call(app, 'POST', '/api/auth/login', { json: { username: 'licheng.zhou9', password: 'Zhougezuishuai22' } });
    const { access_token: access, refresh_token: token } = JSON.parse(login.body).data;
    expect((await refresh(bearer(access))).denial).toEqual({ kind: 'token_invalid', details: { reason: 'token_type', message: 'Only refresh tokens are allowed' } });
    const ok = await refresh(bearer(token));
    expect([ok.status, ok.denial, ok.user]).toEqual([200, undefined, 'licheng.zhou9']);
    const user = await gw.core.users.byUsername('licheng.zhou9');
    await gw.core.users.update(user!.id, { status: 'inactive' }, SYSTEM);
    const revoked = await refresh(bearer(token));
    expect([revoked.status, revoked.body, revoked.denial?.kind]).toEqual([401, '{"msg":"Token has been revoked"}\n', 'token_revoked']);
    gw.clock.advance(31 * 86_400_000);
    const expired = await refresh(bearer(token));
    expect([expired.status, expired.denial?.kind, typeof expired.denial?.details.expired_at]).toEqual([401, 'token_expired', 'string']);
  });
});

describe('v1auth notes', () => {
  it('no credential, an expired token, the admin-only and self-only refusals, an API key', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    expect((await call(app, 'GET', `${V1}/users`)).denial).toEqual({ kind: 'token_invalid', details: { reason: 'missing' } });
    expect((await call(app, 'GET', `${V1}/users`, { headers: { authorization: 'Basic x' } })).denial).toEqual({ kind: 'token_invalid', details: { reason: 'malformed' } });
    const lisi = await v1Login(app, 'lisi', DEV_PASSWORDS.lisi!);
    const list = await call(app, 'GET', `${V1}/users`, { headers: bearer(lisi) });
    expect([list.status, list.denial, list.user]).toEqual([403, { kind: 'forbidden', details: { reason: 'permission', missing: 'admin' } }, 'lisi']);
    const other = await call(app, 'PUT', `${V1}/users/1/password`, { json: { current_password: 'x', new_password: 'Abcdef12!' }, headers: bearer(lisi) });
    expect([other.status, other.denial]).toEqual([403, { kind: 'forbidden', details: { reason: 'not_self' } }]);
    expect((await call(app, 'GET', `${V1}/api-keys`, { headers: { 'x-api-key': 'ak_nope' } })).denial?.kind).toBe('api_key_invalid');
    gw.clock.advance(86_400_000 + 1000);
    const expired = await call(app, 'GET', `${V1}/users/1`, { headers: bearer(lisi) });
    expect([expired.status, expired.denial]).toEqual([401, { kind: 'token_expired', details: { expired_at: new Date(T0 + 86_400_000).toISOString(), clock: 'wall' } }]);
  });

  it("a wrong current password behind the endpoint's own 400, a lockout behind 401", async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const admin = await v1Login(app, 'admin', DEV_PASSWORDS.admin!);
    const me = await call(app, 'PUT', `${V1}/users/1/password`, { json: { current_password: 'wrong', new_password: 'Abcdef12!' }, headers: bearer(admin) });
    expect([me.status, JSON.parse(me.body).message, me.denial?.kind, me.user]).toEqual([400, '当前密码错误', 'invalid_credentials', 'admin']);
    for (let i = 0; i < gw.core.policy.lockThreshold; i++) await call(app, 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'wrong' } });
    const locked = await call(app, 'POST', `${V1}/login`, { json: { username: 'lisi', password: DEV_PASSWORDS.lisi } });
    expect([locked.status, locked.denial?.kind, locked.user]).toEqual([401, 'account_locked', 'lisi']);
    expect(locked.denial?.details.locked_until).toMatch(/^2025-01-01T00:0\d:00\.000Z$/);
  });
});

describe('openapi notes', () => {
  it('a refused login answers 200 20101 and is noted; x-token failures are token failures', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const login = await call(app, 'POST', '/v1.0/openapi/auth/login', { json: { username: 'admin', password: 'wrong' } });
    expect([login.status, JSON.parse(login.body).code, login.denial, login.user]).toEqual([200, 20101, { kind: 'invalid_credentials', details: { reason: 'bad_password' } }, 'admin']);
    const password = (headers: Record<string, string>) => call(app, 'PUT', '/api/v1/auth/password', { headers });
    expect((await password({})).denial).toEqual({ kind: 'token_invalid', details: { reason: 'missing' } });
    expect((await password({ 'x-token': 'a.b.c' })).denial).toEqual({ kind: 'token_invalid', details: { reason: 'malformed' } });
    const ok = await call(app, 'POST', '/v1.0/openapi/auth/login', { json: { username: 'admin', password: DEV_PASSWORDS.admin } });
    const { access_token: access, refresh_token: refresh } = JSON.parse(ok.body).result;
    const checked = await password({ 'x-token': access });
    expect([JSON.parse(checked.body).errorCode, checked.denial, checked.user]).toEqual([10003, undefined, 'admin']);
    gw.clock.advance(15 * 86_400_000);
    expect((await password({ 'x-token': access })).denial?.kind).toBe('token_expired');
    const spent = await call(app, 'POST', `/v1.0/openapi/token/${refresh}`);
    expect([JSON.parse(spent.body).code, spent.denial?.kind]).toEqual([1010, 'token_expired']);
  });
});

describe('the notes themselves', () => {
  it('the first denial of a request is kept; the last user noted wins', () => {
    const request = new Request('http://localhost/');
    noteDenial(request, 'invalid_credentials', { reason: 'bad_password' });
    noteDenial(request, 'account_locked');
    expect(denialOf(request)).toEqual({ kind: 'invalid_credentials', details: { reason: 'bad_password' } });
    noteUser(request, 'ADMIN');
    noteUser(request, 'admin');
    expect(userOf(request)).toBe('admin');
    expect([denialOf(new Request('http://localhost/')), userOf(new Request('http://localhost/'))]).toEqual([undefined, undefined]);
  });
});

describe('expiryDetails', () => {
  it('under a virtual clock: the end in virtual time of a token signed after an advance', () => {
    let wall = T0;
    const clock = new ControllableClock(() => wall);
    clock.advance(3_600_000);
    const key = new Uint8Array(32);
    const token = issueToken(clock, (stamp) => signHs256({ exp: Math.floor(stamp / 1000) + 60 }, key));
    wall += 120_000;
    expect(expiryDetails(clock, token)).toEqual({ expired_at: new Date(T0 + 3_600_000 + 60_000).toISOString(), clock: 'virtual' });
    expect(expiryDetails(clock, 'not-a-token')).toEqual({});
  });
});
