import { describe, expect, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { makeGateway, send, STORE_KINDS } from '../../helpers/harness.ts';

const flaskLogin = (app: Parameters<typeof send>[0], username: string, password: string) =>
  send(app, 'POST', '/api/auth/login', { json: { username, password } });
const refresh = (app: Parameters<typeof send>[0], token: string) => send(app, 'POST', '/api/auth/refresh', { headers: { authorization: `Bearer ${token}` } });
const REVOKED = '{"msg":"Token has been revoked"}\n';

describe.each(STORE_KINDS)('flask and fastapi share one core on %s', (kind) => {
  it('a user registered through flask logs in through fastapi, and the other way round', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const fastapi = gw.app('fastapi');
    expect((await send(flask, 'POST', '/api/auth/register', { json: { username: 'cross_1', password: 'Cross12345', email: 'c1@example.com' } })).json.code).toBe(0);
    const t = await fastapiLogin(fastapi, 'cross_1', 'Cross12345');
    const me = await send(fastapi, 'GET', '/api/v1/base/userinfo', { token: t.access });
    expect(me.json.data).toMatchObject({ username: 'cross_1', email: 'c1@example.com', is_active: true });

    const admin = await fastapiLogin(fastapi, 'admin');
    await send(fastapi, 'POST', '/api/v1/users/create', { token: admin.access, json: { email: 'c2@example.com', username: 'cross_2', password: 'Cross12345' } });
    const viaFlask = await flaskLogin(flask, 'cross_2', 'Cross12345');
    expect(viaFlask.json.msg).toBe('登录成功');
    expect(viaFlask.json.data.payload.user).toMatchObject({ username: 'cross_2', email: 'c2@example.com', status: true });
  });

  it('a flask registrant gets role USER and its permissions', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    await send(flask, 'POST', '/api/auth/register', { json: { username: 'reg_u', password: 'pw' } });
    const r = await flaskLogin(flask, 'reg_u', 'pw');
    expect(r.json.data.payload.role.map((x: { role_name: string }) => x.role_name)).toEqual(['USER']);
    expect(r.json.data.payload.permissions.map((x: { permission_name: string }) => x.permission_name)).toEqual(['test_permission']);
  });

  it('permissions are de-duplicated across roles (engineer1 holds ENGINEER and USER)', async () => {
    const gw = await makeGateway({ store: kind });
    const r = await flaskLogin(gw.app('flask'), 'engineer1', 'engineer123');
    const names = r.json.data.payload.permissions.map((x: { permission_name: string }) => x.permission_name);
    expect(names).toEqual(['test_permission', 'PROFILE.READ', 'USER.READ']);
    expect(r.json.data.payload.role.map((x: { role_name: string }) => x.role_name)).toEqual(['ENGINEER', 'USER']);
  });

  it('a lockout caused through flask is seen through fastapi, and the reverse', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const fastapi = gw.app('fastapi');
    for (let i = 0; i < 5; i++) expect((await flaskLogin(flask, 'lisi', 'wrong')).json.msg).toBe('登录失败');
    const viaFastapi = await send(fastapi, 'POST', '/api/v1/base/access_token', { json: { username: 'lisi', password: 'lisi1234' } });
    expect(viaFastapi.text).toBe('{"code":400,"msg":"账号已被锁定，请稍后再试","data":null}');
    expect((await flaskLogin(flask, 'lisi', 'lisi1234')).text).toBe('{"code":1,"data":null,"msg":"\\u8d26\\u53f7\\u5df2\\u88ab\\u9501\\u5b9a\\uff0c\\u8bf7\\u7a0d\\u540e\\u518d\\u8bd5"}\n');
    gw.clock.advance(60_001);
    expect((await flaskLogin(flask, 'lisi', 'lisi1234')).json.code).toBe(0);
  });

  it('disabling a user through fastapi revokes its flask refresh token', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const tokens = (await flaskLogin(flask, 'licheng.zhou9', 'Zhougezuishuai22')).json.data;
    expect((await refresh(flask, tokens.refresh_token)).json.code).toBe(0);
    const admin = await fastapiLogin(gw.app('fastapi'), 'admin');
    await send(gw.app('fastapi'), 'POST', '/api/v1/users/update', {
      token: admin.access,
      json: { id: 5, email: 'licheng.zhou9@example.com', username: 'licheng.zhou9', is_active: false },
    });
    const r = await refresh(flask, tokens.refresh_token);
    expect([r.status, r.text]).toEqual([401, REVOKED]);
    expect((await flaskLogin(flask, 'licheng.zhou9', 'Zhougezuishuai22')).json.msg).toBe('账号被禁用');
  });

  it('a password reset through fastapi revokes refresh tokens issued before it, not after', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const before = (await flaskLogin(flask, 'licheng.zhou9', 'Zhougezuishuai22')).json.data.refresh_token;
    gw.clock.advance(2000);
    const admin = await fastapiLogin(gw.app('fastapi'), 'admin');
    await send(gw.app('fastapi'), 'POST', '/api/v1/users/reset_password', { token: admin.access, json: { user_id: 5 } });
    expect((await refresh(flask, before)).text).toBe(REVOKED);
    const password = (await gw.core.outbox.list()).at(-1)!.body.split(': ').at(-1)!;
    gw.clock.advance(1000);
    const after = (await flaskLogin(flask, 'licheng.zhou9', password)).json.data.refresh_token;
    expect((await refresh(flask, after)).json.msg).toBe('刷新令牌成功');
  });

  it('deleting a user through fastapi revokes its flask tokens', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const token = (await flaskLogin(flask, 'engineer1', 'engineer123')).json.data.refresh_token;
    const admin = await fastapiLogin(gw.app('fastapi'), 'admin');
    await send(gw.app('fastapi'), 'DELETE', '/api/v1/users/delete?user_id=6', { token: admin.access });
    expect((await refresh(flask, token)).text).toBe(REVOKED);
  });

  it('an access token cannot refresh, and tokens never cross dialects', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const access = (await flaskLogin(flask, 'licheng.zhou9', 'Zhougezuishuai22')).json.data.access_token;
    expect((await refresh(flask, access)).text).toBe('{"msg":"Only refresh tokens are allowed"}\n');
    const fastapiToken = await fastapiLogin(gw.app('fastapi'), 'admin');
    expect((await refresh(flask, fastapiToken.refresh)).text).toBe('{"msg":"Signature verification failed"}\n');
    expect((await send(gw.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: access })).text).toBe('{"code":401,"msg":"无效的Token","data":null}');
  });

  it('a refresh token expires after 30 days; the access token after one', async () => {
    const gw = await makeGateway({ store: kind });
    const flask = gw.app('flask');
    const tokens = (await flaskLogin(flask, 'licheng.zhou9', 'Zhougezuishuai22')).json.data;
    gw.clock.advance(30 * 86_400_000 - 1000);
    expect((await refresh(flask, tokens.refresh_token)).json.code).toBe(0);
    gw.clock.advance(1000);
    expect((await refresh(flask, tokens.refresh_token)).text).toBe('{"msg":"Token has expired"}\n');
  });

  it('a body over 1 MiB gets Werkzeug\'s 413 page, and nothing else is read', async () => {
    const gw = await makeGateway({ store: kind });
    const r = await send(gw.app('flask'), 'POST', '/api/auth/register', { body: JSON.stringify({ username: 'x'.repeat(2 << 20), password: 'y' }), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(r.text).toContain('<title>413 Request Entity Too Large</title>');
    expect((await gw.core.users.list({ page: 1, pageSize: 100 })).total).toBe(7);
  });
});
