import { describe, expect, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { makeGateway, send } from '../../helpers/harness.ts';
import { curlCalls } from '../../helpers/seeds.ts';

const L = '/v1.0/openapi/auth/login';
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const login = async (app: Parameters<typeof send>[0], username = 'admin', password = 'password123') => {
  const r = await send(app, 'POST', L, { json: { username, password } });
  if (r.json.code !== 0) throw new Error(r.text);
  return r.json.result as { access_token: string; expire: number; refresh_token: string };
};
const changePassword = (app: Parameters<typeof send>[0], headers: Record<string, string>, path = '/api/v1/auth/password') =>
  send(app, 'PUT', path, { headers, json: { currentPassword: 'nope', newPassword: 'whatever1' } });

describe('openapi tokens', () => {
  it('login: the result keys, expire = the access exp, claims in the documented order, 2 h / 14 days', async () => {
    const gw = await makeGateway();
    const r = await send(gw.app('openapi'), 'POST', L, { json: { username: 'admin', password: 'password123' } });
    expect(r.text.startsWith('{"code":0,"success":true,"t":1735689600000,"result":{"access_token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.')).toBe(true);
    expect(Object.keys(r.json.result)).toEqual(['access_token', 'expire', 'refresh_token']);
    const access = claimsOf(r.json.result.access_token);
    expect(Object.keys(access)).toEqual(['ID', 'Username', 'exp', 'iss', 'nbf', 'sid', 'jti']);
    expect(access).toMatchObject({ ID: 1, Username: 'admin', exp: 1735689600 + 7200, iss: 'edge-gateway', nbf: 1735689600 });
    expect(r.json.result.expire).toBe(access.exp);
    expect(claimsOf(r.json.result.refresh_token).exp).toBe(1735689600 + 14 * 86400);
  });

  it('refresh rotates: a new pair, the old refresh token spent; reuse after the grace ends the session', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const first = await login(app);
    gw.clock.advance(1000);
    const second = await send(app, 'POST', `/v1.0/openapi/token/${first.refresh_token}`);
    expect(second.json.code).toBe(0);
    expect((await send(app, 'POST', `/v1.0/openapi/token/${first.refresh_token}`)).json.code).toBe(1011); // inside the grace: refused, harmless
    expect((await changePassword(app, { 'x-token': second.json.result.access_token })).json.errorCode).toBe(10001); // token works (wrong current password)
    gw.clock.advance(11_000);
    expect((await send(app, 'POST', `/v1.0/openapi/token/${first.refresh_token}`)).json.code).toBe(1011);
    expect((await changePassword(app, { 'x-token': second.json.result.access_token })).json.errorCode).toBe(10006); // the family is gone
  });

  it('an expired access token is 10006; an expired refresh token 1010', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const t = await login(app);
    gw.clock.advance(7200_000);
    expect((await changePassword(app, { 'x-token': t.access_token })).json.errorCode).toBe(10006);
    gw.clock.advance(14 * 86_400_000);
    expect((await send(app, 'POST', `/v1.0/openapi/token/${t.refresh_token}`)).text).toBe('{"code":1010,"msg":"token expired","success":false,"t":1736906400000}');
  });

  it('the x-token query parameter wins over the header; a refresh token is no access token; the UI token works', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const t = await login(app);
    expect((await changePassword(app, { 'x-token': 'garbage' }, `/api/v1/auth/password?x-token=${t.access_token}`)).json.errorCode).toBe(10001);
    expect((await changePassword(app, { 'x-token': t.access_token }, '/api/v1/auth/password?x-token=garbage')).json.errorCode).toBe(10006);
    expect((await changePassword(app, { 'x-token': t.refresh_token })).json.errorCode).toBe(10006);
    const ui = await send(app, 'POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'password123' } });
    expect(ui.json.result.expiresAt).toBe((1735689600 + 3 * 86400) * 1000);
    expect(claimsOf(ui.json.result.token).nbf).toBe(1735689600 - 1000);
    expect((await changePassword(app, { 'x-token': ui.json.result.token })).json.errorCode).toBe(10001);
  });

  it('a password change through the UI route works, keeps this session, and logs in everywhere', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const t = await login(app, 'opsuser', 'Ops12345!');
    const other = await login(app, 'opsuser', 'Ops12345!');
    gw.clock.advance(2000);
    const r = await send(app, 'PUT', '/api/v1/auth/password', { headers: { 'x-token': t.access_token }, json: { currentPassword: 'Ops12345!', newPassword: 'Changed123!' } });
    expect(r.text).toBe('{"success":true,"errorCode":0,"errorMsg":"success","result":[]}\n');
    expect((await changePassword(app, { 'x-token': t.access_token })).json.errorCode).toBe(10001);
    expect((await changePassword(app, { 'x-token': other.access_token })).json.errorCode).toBe(10006);
    expect((await fastapiLogin(gw.app('fastapi'), 'opsuser', 'Changed123!')).access).toBeTruthy();
  });

  it('tokens of a user disabled through fastapi die, refresh included', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const t = await login(app, 'opsuser', 'Ops12345!');
    const admin = await fastapiLogin(gw.app('fastapi'), 'admin');
    await send(gw.app('fastapi'), 'POST', '/api/v1/users/update', { token: admin.access, json: { id: 7, email: 'opsuser@example.com', username: 'opsuser', is_active: false } });
    expect((await changePassword(app, { 'x-token': t.access_token })).json.errorCode).toBe(10006);
    expect((await send(app, 'POST', `/v1.0/openapi/token/${t.refresh_token}`)).json.code).toBe(1011);
    expect((await send(app, 'POST', L, { json: { username: 'opsuser', password: 'Ops12345!' } })).json.code).toBe(20101);
  });

  it('init-password sets up the `admin` account of an empty gateway, once', async () => {
    const gw = await makeGateway({ empty: true });
    const app = gw.app('openapi');
    expect((await send(app, 'GET', '/api/v1/auth/initInfo')).json.result).toEqual({ isInit: false });
    expect((await send(app, 'POST', '/api/v1/auth/init-password', { json: { newPassword: 'First-Pass1' } })).json.success).toBe(true);
    expect((await send(app, 'GET', '/api/v1/auth/initInfo')).json.result).toEqual({ isInit: true });
    expect((await send(app, 'POST', '/api/v1/auth/init-password', { json: { newPassword: 'again' } })).json.errorCode).toBe(20102);
    expect((await login(app, 'admin', 'First-Pass1')).access_token).toBeTruthy();
  });

  it('issue 8.1: renaming or deleting `admin` never makes the gateway initialisable again', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const fastapi = gw.app('fastapi');
    const admin = await fastapiLogin(fastapi, 'admin');
    // The attack as reported: rename admin (id 1) through fastapi, then initialise anonymously.
    const renamed = await send(fastapi, 'POST', '/api/v1/users/update', { token: admin.access, json: { id: 1, username: 'root2', email: 'admin@example.com', role_ids: [] } });
    expect(renamed.json.code).toBe(200);
    const info = await send(app, 'GET', '/api/v1/auth/initInfo');
    expect(info.text).toBe('{"success":true,"errorCode":0,"errorMsg":"success","result":{"isInit":true}}\n');
    const init = await send(app, 'POST', '/api/v1/auth/init-password', { json: { newPassword: 'Attacker-1' } });
    expect(init.json.errorCode).toBe(20102);
    expect((await gw.core.users.byUsername('admin'))).toBeUndefined();
    // Without any superuser left, still initialised.
    const root = await fastapiLogin(fastapi, 'root2', 'password123');
    expect((await send(fastapi, 'DELETE', '/api/v1/users/delete?user_id=1', { token: root.access })).json.code).toBe(200);
    expect((await send(app, 'GET', '/api/v1/auth/initInfo')).json.result).toEqual({ isInit: true });
    expect((await send(app, 'POST', '/api/v1/auth/init-password', { json: { newPassword: 'Attacker-1' } })).json.errorCode).toBe(20102);
    expect((await gw.core.users.byUsername('admin'))).toBeUndefined();
  });

  it('two parallel init-password calls on an empty gateway create one superuser', async () => {
    const gw = await makeGateway({ empty: true });
    const app = gw.app('openapi');
    const answers = await Promise.all(['Pass-One-1', 'Pass-Two-2'].map((p) => send(app, 'POST', '/api/v1/auth/init-password', { json: { newPassword: p } })));
    expect(answers.map((a) => a.json.success === true || a.json.errorCode).sort()).toEqual([20102, true]);
  });
});

describe('openapi seed cURL examples replayed', () => {
  const calls = curlCalls('004_08333c06a1e08573.txt');

  it('finds the login and refresh examples on port 58081', () => {
    expect(calls.map((c) => `${c.method} ${c.url.port} ${c.url.pathname.slice(0, 25)}`)).toEqual(['POST 58081 /v1.0/openapi/auth/login', 'POST 58081 /v1.0/openapi/token/eyJhb']);
  });

  it("login: the seed's admin/123456 is 20101; the development password succeeds", async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const [seed] = calls;
    expect(seed!.body).toContain('"password":"123456"');
    const verbatim = await send(app, seed!.method, seed!.url.pathname, { headers: seed!.headers, body: seed!.body });
    expect(verbatim.text).toBe('{"code":20101,"success":false,"t":1735689600000}');
    const fixed = await send(app, seed!.method, seed!.url.pathname, { headers: seed!.headers, body: seed!.body!.replace('123456', 'password123') });
    expect(fixed.json.code).toBe(0);
  });

  it("refresh: the seed's token (expired in 2023) is 1010", async () => {
    const gw = await makeGateway();
    const refresh = calls[1]!;
    const r = await send(gw.app('openapi'), refresh.method, refresh.url.pathname, { headers: refresh.headers });
    expect(r.text).toBe('{"code":1010,"msg":"token expired","success":false,"t":1735689600000}');
  });
});

describe('openapi body limit', () => {
  it('over 1 MiB: 1104 on openapi routes, 10003 on UI routes, in their envelopes', async () => {
    const gw = await makeGateway();
    const app = gw.app('openapi');
    const big = JSON.stringify({ username: 'x'.repeat(2 << 20), password: 'y' });
    const headers = { 'content-type': 'application/json' };
    expect((await send(app, 'POST', L, { body: big, headers })).text).toBe('{"code":1104,"msg":"params incorrect","success":false,"t":1735689600000}');
    expect((await send(app, 'POST', '/api/v1/auth/login', { body: big, headers })).text).toBe('{"success":false,"errorCode":10003,"errorMsg":"请求参数错误","result":[]}\n');
  });
});

describe('gin trailing-slash redirect on a templated route (the one pipeline)', () => {
  it('POST /v1.0/openapi/token/<t>/ is 307 to the path without the slash, empty body, as gin answers', async () => {
    const gw = await makeGateway();
    const r = await send(gw.app('openapi'), 'POST', '/v1.0/openapi/token/abc/');
    expect([r.status, r.headers.get('location'), r.headers.get('content-type'), r.text]).toEqual([307, '/v1.0/openapi/token/abc', null, '']);
  });
});
