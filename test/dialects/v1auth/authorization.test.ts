import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { makeGateway, send, testKey } from '../../helpers/harness.ts';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { V1, v1Key, v1Login } from '../../helpers/v1auth.ts';

// Every route × every kind of caller. `admin` routes must refuse plain users and read-only keys; nothing may pass
// for anonymous, expired, revoked or foreign credentials.
// `credential`: sets or resets a password; a request made with an API key may not do it, whatever the key holds.
const ROUTES: { method: string; path: string; body?: unknown; credential?: boolean }[] = [
  { method: 'GET', path: '/users' },
  { method: 'GET', path: '/users/2' },
  { method: 'POST', path: '/users', body: { username: 'mx', email: 'mx@example.com', password: 'Matrix123!', roles: ['user'] }, credential: true },
  { method: 'PUT', path: '/users/2', body: { status: 'active' } },
  { method: 'DELETE', path: '/users/4' },
  { method: 'POST', path: '/users/2/reset-password', body: { send_email: false }, credential: true },
  { method: 'GET', path: '/roles' },
  { method: 'GET', path: '/roles/7' },
  { method: 'POST', path: '/roles', body: { name: 'mx', permissions: ['read'] } },
  { method: 'PUT', path: '/roles/7', body: { description: 'x' } },
  { method: 'DELETE', path: '/roles/2' },
  { method: 'GET', path: '/roles/7/users' },
  { method: 'GET', path: '/permissions' },
  { method: 'POST', path: '/permissions', body: { name: 'mx' } },
];

describe('v1auth authorization matrix', async () => {
  const gw = await makeGateway();
  const app = gw.app('v1auth');
  const adminToken = await v1Login(app, 'admin', 'password123');
  const userToken = await v1Login(app, 'opsuser', 'Ops12345!');
  const adminReadKey = (await v1Key(app, adminToken, ['read'])).key;
  const adminFullKey = (await v1Key(app, adminToken, ['read', 'admin'])).key;
  const userKey = (await v1Key(app, userToken, ['read'])).key;
  const expired = await new SignJWT({ sub: '1', jti: 'x', iat: 1, exp: 2, typ: 'v1auth', sid: 's', rem: false }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(testKey('v1auth'));
  const revoked = await v1Login(app, 'admin', 'password123');
  await send(app, 'POST', `${V1}/logout`, { token: revoked });
  const foreign = (await fastapiLogin(gw.app('fastapi'), 'admin')).access;

  const callers: [string, Record<string, string>, number, string?][] = [
    ['anonymous', {}, 401, '未提供认证信息'],
    ['an expired token', { authorization: `Bearer ${expired}` }, 401, 'Token已过期'],
    ['a logged-out token', { authorization: `Bearer ${revoked}` }, 401, 'Token已失效'],
    ["another dialect's token", { authorization: `Bearer ${foreign}` }, 401, 'Token无效'],
    ['a malformed header', { authorization: 'Token abc' }, 401, 'Token无效'],
    ['an unknown key', { 'x-api-key': 'ak_' + '0'.repeat(40) }, 401, 'API密钥无效'],
    ['a plain user', { authorization: `Bearer ${userToken}` }, 403, '权限不足'],
    ["a plain user's key", { 'x-api-key': userKey }, 403, '权限不足'],
    ["an admin's read-only key", { authorization: `Bearer ${adminReadKey}` }, 403, '权限不足'],
  ];

  for (const r of ROUTES) {
    for (const [who, headers, status, message] of callers) {
      it(`${r.method} ${r.path} as ${who}: ${status}`, async () => {
        const res = await send(app, r.method, V1 + r.path, { headers, ...(r.body !== undefined && { json: r.body }) });
        expect([res.status, res.json.success, res.json.message]).toEqual([status, false, message]);
      });
    }
    it(`${r.method} ${r.path} as admin and with an admin key: ${r.credential ? 'admin only' : 'allowed'}`, async () => {
      const asAdmin: Record<string, string>[] = [{ authorization: `Bearer ${adminToken}` }, ...(r.credential ? [] : [{ 'x-api-key': adminFullKey }])];
      for (const headers of asAdmin) {
        const res = await send(app, r.method, V1 + r.path, { headers, ...(r.body !== undefined && { json: r.body }) });
        expect(res.status, `${JSON.stringify(headers).slice(0, 30)} ${res.text}`).not.toBe(401);
        expect(res.status).not.toBe(403);
      }
      if (r.credential) {
        const res = await send(app, r.method, V1 + r.path, { headers: { 'x-api-key': adminFullKey }, ...(r.body !== undefined && { json: r.body }) });
        expect([res.status, res.json.message]).toEqual([403, 'API密钥无权执行此操作']);
      }
    });
  }

  it('self-service: own detail, own password, own keys; never another user\'s', async () => {
    expect((await send(app, 'GET', `${V1}/users/7`, { token: userToken })).status).toBe(200);
    expect((await send(app, 'GET', `${V1}/users/1`, { token: userToken })).status).toBe(403);
    expect((await send(app, 'PUT', `${V1}/users/1/password`, { token: userToken, json: { current_password: 'x', new_password: 'Another123!' } })).status).toBe(403);
    const own = await send(app, 'GET', `${V1}/api-keys`, { token: userToken });
    expect(own.json.data.api_keys.map((k: { created_by: string }) => k.created_by)).toEqual(['opsuser']);
    expect((await send(app, 'POST', `${V1}/api-keys/1/disable`, { token: userToken })).status).toBe(403);
    expect((await send(app, 'GET', `${V1}/api-keys/1/stats`, { token: userToken })).status).toBe(403);
  });

  it('a key cannot create, enable or delete keys, nor grant what its creator lacks', async () => {
    for (const [method, path, body] of [['POST', '/api-keys', { name: 'n', permissions: ['read'] }], ['POST', '/api-keys/1/enable', undefined], ['DELETE', '/api-keys/1', undefined]] as const) {
      const res = await send(app, method, V1 + path, { headers: { 'x-api-key': adminFullKey }, ...(body && { json: body }) });
      expect([res.status, res.json.message]).toEqual([403, 'API密钥无权执行此操作']);
    }
    const grant = await send(app, 'POST', `${V1}/api-keys`, { token: userToken, json: { name: 'n', permissions: ['admin'] } });
    expect([grant.status, grant.json.message]).toEqual([403, '不能授予自己没有的权限']);
  });
});
