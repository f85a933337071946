import { describe, expect, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { makeGateway, send } from '../../helpers/harness.ts';
import { V1, v1Key, v1Login } from '../../helpers/v1auth.ts';

const flaskLogin = (app: Parameters<typeof send>[0], username: string, password: string) => send(app, 'POST', '/api/auth/login', { json: { username, password } });

describe('v1auth sessions', () => {
  it('a token lives 24 h, or 30 days with remember_me; expires_at is its exp', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const short = await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: 'Ops12345!' } });
    expect(short.json.data.expires_at).toBe('2025-01-02T00:00:00Z');
    const long = await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: 'Ops12345!', remember_me: true } });
    expect(long.json.data.expires_at).toBe('2025-01-31T00:00:00Z');
    gw.clock.advance(86_400_000);
    expect((await send(app, 'GET', `${V1}/users/7`, { token: short.json.data.token })).json.message).toBe('Token已过期');
    expect((await send(app, 'GET', `${V1}/users/7`, { token: long.json.data.token })).status).toBe(200);
  });

  it('refresh: the old token dies, the new one keeps the login lifetime, and logout ends both', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const t1 = await v1Login(app, 'opsuser', 'Ops12345!', true);
    gw.clock.advance(1000);
    const r = await send(app, 'POST', `${V1}/refresh`, { token: t1, json: { token: t1 } });
    expect([r.status, r.json.message, r.json.data.expires_at]).toEqual([200, 'Token刷新成功', '2025-01-31T00:00:01Z']);
    const t2 = r.json.data.token;
    expect((await send(app, 'GET', `${V1}/users/7`, { token: t1 })).json.message).toBe('Token已失效');
    expect((await send(app, 'GET', `${V1}/users/7`, { token: t2 })).status).toBe(200);
    expect((await send(app, 'POST', `${V1}/refresh`, { token: t2, json: { token: t1 } })).json.message).toBe('Token不一致');
    await send(app, 'POST', `${V1}/logout`, { token: t2 });
    expect((await send(app, 'GET', `${V1}/users/7`, { token: t2 })).json.message).toBe('Token已失效');
  });

  it('a refreshed token outlives the login it came from, pruning included', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const t1 = await v1Login(app, 'opsuser', 'Ops12345!');
    gw.clock.advance(20 * 3600_000);
    const t2 = (await send(app, 'POST', `${V1}/refresh`, { token: t1, json: { token: t1 } })).json.data.token;
    gw.clock.advance(10 * 3600_000); // past the first token's day, within the second's
    (await gw.core.sessions.prune());
    expect((await send(app, 'GET', `${V1}/users/7`, { token: t2 })).status).toBe(200);
  });

  it('a password change keeps this session and ends the others, in every dialect', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const mine = await v1Login(app, 'opsuser', 'Ops12345!');
    const other = await v1Login(app, 'opsuser', 'Ops12345!');
    const fastapi = await fastapiLogin(gw.app('fastapi'), 'opsuser', 'Ops12345!');
    gw.clock.advance(2000);
    const r = await send(app, 'PUT', `${V1}/users/7/password`, { token: mine, json: { current_password: 'Ops12345!', new_password: 'Better456!' } });
    expect(r.text).toBe('{"success":true,"code":200,"message":"密码修改成功","data":{}}');
    expect((await send(app, 'GET', `${V1}/users/7`, { token: mine })).status).toBe(200);
    expect((await send(app, 'GET', `${V1}/users/7`, { token: other })).json.message).toBe('Token已失效');
    expect((await send(gw.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fastapi.access })).status).toBe(401);
    expect((await flaskLogin(gw.app('flask'), 'opsuser', 'Better456!')).json.code).toBe(0);
  });

  it('a disabled user loses tokens and keys on every port; re-enabling does not bring them back', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const admin = await v1Login(app, 'admin', 'password123');
    const ops = await v1Login(app, 'opsuser', 'Ops12345!');
    const key = await v1Key(app, ops, ['read']);
    const fastapi = await fastapiLogin(gw.app('fastapi'), 'opsuser', 'Ops12345!');
    const flask = (await flaskLogin(gw.app('flask'), 'opsuser', 'Ops12345!')).json.data.refresh_token;
    gw.clock.advance(2000);
    expect((await send(app, 'PUT', `${V1}/users/7`, { token: admin, json: { status: 'inactive' } })).json.data.status).toBe('inactive');
    expect((await send(app, 'GET', `${V1}/users/7`, { token: ops })).json.message).toBe('Token已失效');
    expect((await send(app, 'GET', `${V1}/users/7`, { headers: { 'x-api-key': key.key } })).json.message).toBe('API密钥已禁用');
    expect((await send(gw.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fastapi.access })).text).toBe('{"code":401,"msg":"认证失败","data":null}');
    expect((await send(gw.app('flask'), 'POST', '/api/auth/refresh', { headers: { authorization: `Bearer ${flask}` } })).text).toBe('{"msg":"Token has been revoked"}\n');
    expect((await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: 'Ops12345!' } })).json.message).toBe('账号已被禁用');
    await send(app, 'PUT', `${V1}/users/7`, { token: admin, json: { status: 'active' } });
    expect((await send(app, 'GET', `${V1}/users/7`, { token: ops })).json.message).toBe('Token已失效');
    expect((await send(app, 'GET', `${V1}/users/7`, { headers: { 'x-api-key': key.key } })).json.message).toBe('API密钥已禁用');
  });

  it('a deleted user: tokens and keys die with it', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const admin = await v1Login(app, 'admin', 'password123');
    const ops = await v1Login(app, 'opsuser', 'Ops12345!');
    const key = await v1Key(app, ops, ['read']);
    expect((await send(app, 'DELETE', `${V1}/users/7`, { token: admin })).text).toBe('{"success":true,"code":200,"message":"用户删除成功","data":{}}');
    expect((await send(app, 'GET', `${V1}/api-keys`, { token: ops })).json.message).toBe('Token已失效');
    expect((await send(app, 'GET', `${V1}/api-keys`, { headers: { 'x-api-key': key.key } })).json.message).toBe('API密钥无效');
  });

  it('the temporary password works once, within 24 h, and old tokens die with the reset', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const admin = await v1Login(app, 'admin', 'password123');
    const before = await v1Login(app, 'opsuser', 'Ops12345!');
    gw.clock.advance(1000);
    const r = await send(app, 'POST', `${V1}/users/7/reset-password`, { token: admin, json: {} });
    expect([r.json.message, r.json.data.expires_in]).toEqual(['密码重置成功,新密码已发送至用户邮箱', 86400]);
    const temp = r.json.data.temporary_password;
    expect((await gw.core.outbox.list()).at(-1)!.body.endsWith(temp)).toBe(true);
    expect((await send(app, 'GET', `${V1}/users/7`, { token: before })).json.message).toBe('Token已失效');
    gw.clock.advance(1000);
    expect((await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: temp } })).status).toBe(200);
    expect((await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: temp } })).json.message).toBe('用户名或密码错误');
    // and the regular password still works
    expect((await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: 'Ops12345!' } })).status).toBe(200);

    const r2 = await send(app, 'POST', `${V1}/users/7/reset-password`, { token: admin, json: { send_email: false } });
    expect(r2.json.message).toBe('密码重置成功');
    gw.clock.advance(86_400_000);
    expect((await send(app, 'POST', `${V1}/login`, { json: { username: 'opsuser', password: r2.json.data.temporary_password } })).status).toBe(401);
  });
});

describe('v1auth API keys', () => {
  it('shown once, stored hashed, disabled/enabled/deleted take effect at once', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const admin = await v1Login(app, 'admin', 'password123');
    const created = await send(app, 'POST', `${V1}/api-keys`, { token: admin, json: { name: 'Integration', permissions: ['read', 'metrics'], expires_in_days: 30 } });
    const { id, key } = created.json.data;
    expect(key).toMatch(/^ak_[0-9a-f]{40}$/);
    expect(created.json.data.expires_at).toBe('2025-01-31T00:00:00Z');
    const listed = await send(app, 'GET', `${V1}/api-keys`, { token: admin });
    expect(listed.text).not.toContain(key);
    expect(listed.json.data.api_keys[0]).toMatchObject({ key_prefix: key.slice(0, 9), status: 'active', created_by: 'admin' });
    const row = (await gw.core.apiKeys.find(Number(id)))!;
    expect(row.keyHash).not.toContain(key.slice(3));
    const use = () => send(app, 'GET', `${V1}/users/1`, { headers: { authorization: `Bearer ${key}` } });
    expect((await use()).status).toBe(200); // the owner's own detail
    // another user's detail needs `admin`, which this key was not given even though its owner holds it
    expect((await send(app, 'GET', `${V1}/users/2`, { headers: { 'x-api-key': key } })).json.message).toBe('权限不足');
    expect((await send(app, 'POST', `${V1}/api-keys/${id}/disable`, { token: admin })).json.data).toEqual({ id, status: 'inactive', disabled_at: '2025-01-01T00:00:00Z' });
    expect((await use()).json.message).toBe('API密钥已禁用');
    expect((await send(app, 'GET', `${V1}/api-keys?status=inactive`, { token: admin })).json.data.total).toBe(1);
    expect((await send(app, 'POST', `${V1}/api-keys/${id}/enable`, { token: admin })).json.data.status).toBe('active');
    gw.clock.advance(30 * 86_400_000);
    expect((await use()).json.message).toBe('API密钥已过期');
    const later = await v1Login(app, 'admin', 'password123');
    expect((await send(app, 'GET', `${V1}/api-keys?status=expired`, { token: later })).json.data.total).toBe(1);
    expect((await send(app, 'DELETE', `${V1}/api-keys/${id}`, { token: later })).text).toBe('{"success":true,"code":200,"message":"API密钥已删除","data":{}}');
    expect((await use()).json.message).toBe('API密钥无效');
  });

  it('stats count exactly the uses of a known request mix', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const ops = await v1Login(app, 'opsuser', 'Ops12345!', true);
    const { id, key } = await v1Key(app, ops, ['read']);
    const withKey = (path: string) => send(app, 'GET', V1 + path, { headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) await withKey('/users/7'); // 200
    gw.clock.advance(86_400_000);
    for (let i = 0; i < 2; i++) await withKey('/users/1'); // 403
    await withKey('/roles'); // 403
    await withKey('/api-keys'); // 200
    await send(app, 'GET', `${V1}/users/7`, { token: ops }); // a token: not counted
    const s = await send(app, 'GET', `${V1}/api-keys/${id}/stats?time_range=2d`, { token: ops });
    expect(s.json.data).toEqual({
      total_requests: 7,
      success_requests: 4,
      error_requests: 3,
      daily_stats: [
        { date: '2024-12-31', requests: 0 },
        { date: '2025-01-01', requests: 3 },
        { date: '2025-01-02', requests: 4 },
      ],
      top_endpoints: [
        { endpoint: '/api/v1/auth/users/7', count: 3 },
        { endpoint: '/api/v1/auth/users/1', count: 2 },
        { endpoint: '/api/v1/auth/api-keys', count: 1 },
        { endpoint: '/api/v1/auth/roles', count: 1 },
      ],
      last_used_at: '2025-01-02T00:00:00Z',
      last_ip: 'unknown',
    });
    const narrow = await send(app, 'GET', `${V1}/api-keys/${id}/stats?time_range=1h`, { token: ops });
    expect(narrow.json.data.total_requests).toBe(4);
    for (const bad of ['0h', '91d', '7w', 'x', '']) {
      expect((await send(app, 'GET', `${V1}/api-keys/${id}/stats?time_range=${bad}`, { token: ops })).status).toBe(400);
    }
  });

  it('old usage rows are pruned after the retention', async () => {
    const gw = await makeGateway({ policy: { usageRetentionMs: 86_400_000 } });
    const app = gw.app('v1auth');
    const ops = await v1Login(app, 'opsuser', 'Ops12345!', true);
    const { id, key } = await v1Key(app, ops, ['read']);
    await send(app, 'GET', `${V1}/users/7`, { headers: { 'x-api-key': key } });
    (await gw.core.apiKeys.flush());
    gw.clock.advance(2 * 86_400_000);
    await send(app, 'GET', `${V1}/users/7`, { headers: { 'x-api-key': key } });
    (await gw.core.apiKeys.flush());
    expect((await send(app, 'GET', `${V1}/api-keys/${id}/stats?time_range=90d`, { token: ops })).json.data.total_requests).toBe(1);
  });
});

describe('v1auth seed flow, in dependency order, on a fresh store', () => {
  it('7.2 export, 5.3 analyst, 4.3 create, 4.4 update, 5.4 role update, 6.2 key, 4.6 password, 4.7 reset, 3.3 logout', async () => {
    const gw = await makeGateway();
    const app = gw.app('v1auth');
    const login = await send(app, 'POST', `${V1}/login`, { json: { username: 'admin', password: 'password123', remember_me: false } });
    expect(login.json.data.user_info).toEqual({ id: '1', username: 'admin', email: 'admin@admin.com', roles: ['admin', 'user'], permissions: ['read', 'write', 'admin', 'report', 'analytics', 'metrics', 'logs'] });
    const t = login.json.data.token;
    const call = async (method: string, path: string, json?: unknown) => {
      const r = await send(app, method, V1 + path, { token: t, ...(json !== undefined && { json }) });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
      return r.json;
    };
    await call('POST', '/permissions', { name: 'export', category: 'data', description: '导出数据权限' });
    await call('POST', '/roles', { name: 'analyst', description: '数据分析人员', permissions: ['read', 'report', 'analytics'] });
    const created = await call('POST', '/users', { username: 'newuser', email: 'newuser@example.com', password: 'Password123!', roles: ['user'], profile: { real_name: '新用户', phone: '13900139000', department: '开发部', position: '开发工程师' } });
    const uid = created.data.id;
    const updated = await call('PUT', `/users/${uid}`, { email: 'updated@example.com', roles: ['user', 'analyst'], status: 'active', profile: { real_name: '更新用户', phone: '13700137000', department: '数据分析部', position: '数据分析师' } });
    expect(updated.data.roles).toEqual(['user', 'analyst']);
    const detail = await call('GET', `/users/${uid}`);
    expect(detail.data.profile).toEqual({ real_name: '更新用户', phone: '13700137000', department: '数据分析部', position: '数据分析师' });
    const analyst = (await call('GET', '/roles?name=analyst')).data.roles[0];
    const renamed = await call('PUT', `/roles/${analyst.id}`, { name: 'senior-analyst', description: '高级数据分析人员', permissions: ['read', 'report', 'analytics', 'export'] });
    expect(renamed.data.permissions).toEqual(['read', 'report', 'analytics', 'export']);
    await call('POST', '/api-keys', { name: 'New Integration Key', description: '用于第三方系统集成', permissions: ['read', 'metrics', 'logs'], expires_in_days: 365 });
    const nt = await v1Login(app, 'newuser', 'Password123!');
    const pw = await send(app, 'PUT', `${V1}/users/${uid}/password`, { token: nt, json: { current_password: 'Password123!', new_password: 'NewPassword456!' } });
    expect(pw.json.message).toBe('密码修改成功');
    await call('POST', `/users/${uid}/reset-password`, { send_email: true });
    expect((await call('GET', `/roles/${analyst.id}/users`)).data.users.map((u: { username: string }) => u.username)).toEqual(['newuser']);
    expect((await call('POST', '/logout')).message).toBe('登出成功');
  });
});
