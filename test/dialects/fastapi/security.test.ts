import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { makeGateway, send, testKey } from '../../helpers/harness.ts';
import { SYSTEM } from '../../../src/core/index.ts';

const USERINFO = '/api/v1/base/userinfo';
const REFRESH = '/api/v1/base/refresh_token';
const LOGIN = '/api/v1/base/access_token';
const body = (code: number, msg: string) => JSON.stringify({ code, msg, data: null });

async function setup() {
  const gw = await makeGateway();
  const app = gw.app('fastapi');
  return { gw, app, tokens: await fastapiLogin(app, 'admin') };
}

describe('fastapi tokens', () => {
  it('an access token expires after 240 minutes (injected clock)', async () => {
    const { gw, app, tokens } = await setup();
    gw.clock.advance(240 * 60_000 - 1000);
    expect((await send(app, 'GET', USERINFO, { token: tokens.access })).status).toBe(200);
    gw.clock.advance(1000);
    const r = await send(app, 'GET', USERINFO, { token: tokens.access });
    expect([r.status, r.text]).toEqual([401, body(401, '登录已过期')]);
  });

  it('a tampered signature, a foreign key and a cut token are 无效的Token', async () => {
    const { app, tokens } = await setup();
    const [h, p, s] = tokens.access.split('.');
    const flipped = `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`;
    const foreign = await new SignJWT({ user_id: 1, exp: 4e9, token_type: 'access', sid: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(testKey('other-dialect'));
    for (const t of [flipped, foreign, `${h}.${p}`, 'a.b.c', `${h}.${p}.`, '...', 'x'.repeat(5000)]) {
      const r = await send(app, 'GET', USERINFO, { token: t });
      expect([t.slice(0, 20), r.status, r.text]).toEqual([t.slice(0, 20), 401, body(401, '无效的Token')]);
    }
  });

  it('alg none and other algorithms are 认证失败, never accepted', async () => {
    const { app, tokens } = await setup();
    const payload = tokens.access.split('.')[1];
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    const hs512 = await new SignJWT({ user_id: 1, exp: 4e9, token_type: 'access', sid: 'x' }).setProtectedHeader({ alg: 'HS512' }).sign(new Uint8Array(64).fill(102));
    for (const t of [none, hs512]) {
      const r = await send(app, 'GET', USERINFO, { token: t });
      expect(r.status).toBe(401);
      expect(r.json.msg).toMatch(/认证失败|无效的Token/);
    }
  });

  it('a well-signed token without our claims is 认证失败', async () => {
    const { app } = await setup();
    const t = await new SignJWT({ sub: '1', exp: 4e9 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(testKey('fastapi'));
    expect((await send(app, 'GET', USERINFO, { token: t })).text).toBe(body(401, '认证失败'));
  });

  it('refresh rotates: the new pair works, the spent refresh token fails, and reuse after the grace kills the family', async () => {
    const { gw, app, tokens } = await setup();
    gw.clock.advance(1000);
    const r1 = await send(app, 'POST', REFRESH, { json: { refresh_token: tokens.refresh } });
    expect(r1.status).toBe(200);
    expect(Object.keys(r1.json.data)).toEqual(['access_token', 'refresh_token', 'token_type', 'expires_in']);
    const next = r1.json.data;
    expect((await send(app, 'GET', USERINFO, { token: next.access_token })).status).toBe(200);

    // Inside the grace window: refused, but nothing else is harmed.
    const again = await send(app, 'POST', REFRESH, { json: { refresh_token: tokens.refresh } });
    expect([again.status, again.text]).toEqual([401, body(401, '令牌无效或已过期')]);
    expect((await send(app, 'GET', USERINFO, { token: next.access_token })).status).toBe(200);

    // After it: the whole family (every access token of the session) is revoked.
    gw.clock.advance(11_000);
    const reuse = await send(app, 'POST', REFRESH, { json: { refresh_token: tokens.refresh } });
    expect(reuse.text).toBe(body(401, '令牌无效或已过期'));
    expect((await send(app, 'GET', USERINFO, { token: next.access_token })).text).toBe(body(401, '认证失败'));
    expect((await send(app, 'POST', REFRESH, { json: { refresh_token: next.refresh_token } })).status).toBe(401);
    expect((await gw.core.audit.recent()).some((a) => a.event === 'refresh.reuse')).toBe(true);
  });

  it('an expired refresh token is refused', async () => {
    const { gw, app, tokens } = await setup();
    gw.clock.advance(7 * 24 * 3600_000);
    expect((await send(app, 'POST', REFRESH, { json: { refresh_token: tokens.refresh } })).text).toBe(body(401, '令牌无效或已过期'));
  });

  it('a disabled user keeps no access and hears 用户不存在或已被禁用 on refresh', async () => {
    const { gw, app } = await setup();
    const lisi = await fastapiLogin(app, 'lisi');
    (await gw.core.users.update(3, { status: 'inactive' }, SYSTEM));
    expect((await send(app, 'GET', USERINFO, { token: lisi.access })).text).toBe(body(401, '认证失败'));
    expect((await send(app, 'POST', REFRESH, { json: { refresh_token: lisi.refresh } })).text).toBe(body(401, '用户不存在或已被禁用'));
  });

  it('a deleted user keeps no access', async () => {
    const { app, tokens } = await setup();
    const lisi = await fastapiLogin(app, 'lisi');
    expect((await send(app, 'DELETE', '/api/v1/users/delete?user_id=3', { token: tokens.access })).status).toBe(200);
    expect((await send(app, 'GET', USERINFO, { token: lisi.access })).text).toBe(body(401, '认证失败'));
    expect((await send(app, 'POST', REFRESH, { json: { refresh_token: lisi.refresh } })).text).toBe(body(401, '令牌无效或已过期'));
  });

  it('reset_password revokes old tokens, mails the new password to the outbox, and the new password logs in', async () => {
    const { gw, app, tokens } = await setup();
    const lisi = await fastapiLogin(app, 'lisi');
    const r = await send(app, 'POST', '/api/v1/users/reset_password', { token: tokens.access, json: { user_id: 3 } });
    expect(r.text).toBe(JSON.stringify({ code: 200, msg: '密码已重置', data: null }));
    expect(r.text).not.toMatch(/password/i);
    expect((await send(app, 'GET', USERINFO, { token: lisi.access })).status).toBe(401);
    const mail = (await gw.core.outbox.list()).at(-1)!;
    expect(mail.recipient).toBe('lisi@example.com');
    const password = mail.body.split(': ').at(-1)!;
    expect(password).toMatch(/^[A-Za-z0-9!@#$%^&*]{12}$/);
    expect((await send(app, 'POST', LOGIN, { json: { username: 'lisi', password: 'lisi1234' } })).status).toBe(400);
    expect((await send(app, 'POST', LOGIN, { json: { username: 'lisi', password } })).status).toBe(200);
  });

  it('userinfo never carries the password hash', async () => {
    const { app, tokens } = await setup();
    const r = await send(app, 'GET', USERINFO, { token: tokens.access });
    expect(r.text).not.toContain('argon2');
    expect(r.json.data).not.toHaveProperty('password');
  });
});

describe('fastapi lockout and rate limits', () => {
  it('five wrong passwords lock the account for a minute, then it opens again', async () => {
    const { gw, app } = await setup();
    for (let i = 0; i < 5; i++) {
      expect((await send(app, 'POST', LOGIN, { json: { username: 'lisi', password: 'wrong' } })).json.msg).toBe('密码错误!');
    }
    const locked = await send(app, 'POST', LOGIN, { json: { username: 'lisi', password: 'lisi1234' } });
    expect([locked.status, locked.text]).toEqual([400, body(400, '账号已被锁定，请稍后再试')]);
    gw.clock.advance(60_001);
    expect((await send(app, 'POST', LOGIN, { json: { username: 'lisi', password: 'lisi1234' } })).status).toBe(200);
  });

  it('parallel guesses cannot slip past the limit', async () => {
    const { app } = await setup();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => send(app, 'POST', LOGIN, { json: { username: 'lisi', password: 'wrong' } })),
    );
    const msgs = results.map((r) => r.json.msg);
    expect(msgs.filter((m) => m === '密码错误!').length).toBe(5);
    expect(msgs.filter((m) => m === '账号已被锁定，请稍后再试').length).toBe(7);
  });

  it('the login limit answers slowapi\'s 429 body on the sixth call in a minute', async () => {
    const gw = await makeGateway({ config: { rateLimits: true } });
    const app = gw.app('fastapi');
    for (let i = 0; i < 5; i++) await send(app, 'POST', LOGIN, { json: { username: 'nobody', password: 'x' } });
    const r = await send(app, 'POST', LOGIN, { json: { username: 'admin', password: 'password123' } });
    expect([r.status, r.text, r.headers.get('content-type')]).toEqual([429, '{"error":"Rate limit exceeded: 5 per 1 minute"}', 'application/json']);
    gw.clock.advance(60_000);
    expect((await send(app, 'POST', LOGIN, { json: { username: 'admin', password: 'password123' } })).status).toBe(200);
  });

  it('the refresh limit is 10 per minute', async () => {
    const gw = await makeGateway({ config: { rateLimits: true } });
    const app = gw.app('fastapi');
    for (let i = 0; i < 10; i++) expect((await send(app, 'POST', REFRESH, { json: { refresh_token: 'x' } })).status).toBe(401);
    expect((await send(app, 'POST', REFRESH, { json: { refresh_token: 'x' } })).text).toBe('{"error":"Rate limit exceeded: 10 per 1 minute"}');
  });
});

describe('fastapi RBAC', () => {
  it('a user whose roles grant no API is "not bound to a role"', async () => {
    const { gw, app } = await setup();
    await gw.core.users.create({ username: 'norole', email: 'norole@example.com', password: 'norole123' }, SYSTEM);
    const t = await fastapiLogin(app, 'norole', 'norole123');
    expect((await send(app, 'GET', '/api/v1/users/list', { token: t.access })).text).toBe(body(403, 'The user is not bound to a role'));
    // userinfo needs no grant
    expect((await send(app, 'GET', USERINFO, { token: t.access })).status).toBe(200);
  });

  it('update without role_ids clears the roles, as upstream', async () => {
    const { gw, app, tokens } = await setup();
    await send(app, 'POST', '/api/v1/users/update', { token: tokens.access, json: { id: 3, email: 'lisi@example.com', username: 'lisi' } });
    expect((await gw.core.directory.rolesOf([3])).get(3)).toEqual([]);
  });

  it('a user created through the API logs in with its password', async () => {
    const { app, tokens } = await setup();
    const create = await send(app, 'POST', '/api/v1/users/create', {
      token: tokens.access,
      json: { email: 'Neo@EXAMPLE.com', username: 'neo_1', password: 'matrix123', role_ids: ['2'], dept_id: 1, extra: 'ignored' },
    });
    expect(create.status).toBe(200);
    const t = await fastapiLogin(app, 'neo_1', 'matrix123');
    const me = await send(app, 'GET', USERINFO, { token: t.access });
    expect(me.json.data).toMatchObject({ username: 'neo_1', email: 'Neo@example.com', dept_id: 1, is_active: true, is_superuser: false });
  });
});

describe('fastapi: every claim is type-checked before the core (issue 8.7)', () => {
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(testKey('fastapi'));
  const base = { user_id: 1, username: 'admin', is_superuser: true, exp: 4e9, token_type: 'refresh', sid: 'x' };
  const odd: unknown[] = [7, 1.5, null, true, ['a'], { a: 1 }];

  it('a refresh token of a live session whose jti, sid or user_id has the wrong type gets 401 令牌无效或已过期, never a 500', async () => {
    const app = (await makeGateway()).app('fastapi');
    // The claims of a real refresh token (a live session), signed with the real key, one claim changed.
    const real = JSON.parse(Buffer.from((await fastapiLogin(app, 'admin')).refresh.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    for (const [claim, value] of [...odd.map((v) => ['jti', v]), ...odd.map((v) => ['sid', v]), ...['1', 1.5, null, 2 ** 60].map((v) => ['user_id', v])]) {
      const token = await sign({ ...real, [claim as string]: value });
      const r = await send(app, 'POST', '/api/v1/base/refresh_token', { json: { refresh_token: token } });
      expect([claim, value, r.status, r.text]).toEqual([claim, value, 401, body(401, '令牌无效或已过期')]);
    }
  });

  it('an access token with an odd jti is 认证失败 on a protected route', async () => {
    const app = (await makeGateway()).app('fastapi');
    for (const jti of odd) {
      const r = await send(app, 'GET', USERINFO, { token: await sign({ ...base, token_type: 'access', jti }) });
      expect([jti, r.status, r.text]).toEqual([jti, 401, body(401, '认证失败')]);
    }
  });
});
