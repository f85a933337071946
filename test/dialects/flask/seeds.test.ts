import { describe, expect, it } from 'vitest';
import { makeGateway, send } from '../../helpers/harness.ts';
import { fetchCalls } from '../../helpers/seeds.ts';

const SEED = '001_2ebc1eb720c4391a.txt';

describe('flask seed examples replayed verbatim on a fresh store', () => {
  const calls = fetchCalls(SEED);

  it('finds the login and register examples on port 5000', () => {
    expect(calls.map((c) => `${c.method} ${c.url.host}${c.url.pathname}`)).toEqual(['POST localhost:5000/api/auth/login', 'POST localhost:5000/api/auth/register']);
  });

  it('login as the seed\'s user: 登录成功 with the payload the seed shows', async () => {
    const gw = await makeGateway();
    const [login] = calls;
    const r = await send(gw.app('flask'), login!.method, login!.url.pathname, { headers: login!.headers, body: login!.body });
    expect([r.status, r.json.code, r.json.msg]).toEqual([200, 0, '登录成功']);
    expect(Object.keys(r.json.data)).toEqual(['access_token', 'payload', 'refresh_token']);
    expect(Object.keys(r.json.data.payload.user)).toEqual(['created_at', 'email', 'faceInfo', 'last_login', 'phone', 'status', 'updated_at', 'user_id', 'username']);
    expect(r.json.data.payload.role).toEqual([{ description: '普通用户', role_id: 5, role_name: 'USER' }]);
  });

  it('register the seed\'s new user: 注册成功, then 用户名已存在 on a second try', async () => {
    const gw = await makeGateway();
    const [, register] = calls;
    const send1 = () => send(gw.app('flask'), register!.method, register!.url.pathname, { headers: register!.headers, body: register!.body });
    expect((await send1()).text).toBe('{"code":0,"data":null,"msg":"\\u6ce8\\u518c\\u6210\\u529f"}\n');
    expect((await send1()).json.msg).toBe('用户名已存在');
  });

  it('the refresh example, header as printed (`Bearer {JWT_REFRESH_TOKEN}`), is a malformed token; with a real one it succeeds', async () => {
    const gw = await makeGateway();
    const app = gw.app('flask');
    const verbatim = await send(app, 'POST', '/api/auth/refresh', { headers: { authorization: 'Bearer {JWT_REFRESH_TOKEN}' } });
    expect([verbatim.status, verbatim.text]).toEqual([422, '{"msg":"Not enough segments"}\n']);
    const [login] = calls;
    const tokens = (await send(app, 'POST', '/api/auth/login', { headers: login!.headers, body: login!.body })).json.data;
    const real = await send(app, 'POST', '/api/auth/refresh', { headers: { authorization: `Bearer ${tokens.refresh_token}` } });
    expect([real.status, real.json.msg, Object.keys(real.json.data)]).toEqual([200, '刷新令牌成功', ['access_token']]);
  });
});
