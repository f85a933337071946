import { describe, expect, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { makeGateway, send } from '../../helpers/harness.ts';

const V422 = '{"code":422,"msg":"请求参数验证失败，请检查输入格式"}';

describe('fastapi bad input', async () => {
  const gw = await makeGateway();
  const app = gw.app('fastapi');
  const { access } = await fastapiLogin(app, 'admin');

  it('a 2 MiB body is refused with 413 before parsing', async () => {
    const big = JSON.stringify({ username: 'a'.repeat(2 * 1024 * 1024), password: 'x' });
    const r = await send(app, 'POST', '/api/v1/base/access_token', { body: big, headers: { 'content-type': 'application/json' } });
    expect([r.status, r.text]).toEqual([413, '{"code":413,"msg":"请求体过大","data":null}']);
  });

  it('a 2 MiB body without a content-length (streamed) is refused too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(ctrl) {
        if (sent++ >= 32) ctrl.close();
        else ctrl.enqueue(chunk);
      },
    });
    const res = await app.request('/api/v1/base/access_token', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      // @ts-expect-error node fetch needs this for a stream body
      duplex: 'half',
    });
    expect(res.status).toBe(413);
  });

  const bodies: [string, string][] = [
    ['deeply nested JSON', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['a JSON string', '"admin"'],
    ['a number', '42'],
    ['truncated unicode escape', '{"username":"\\u12'],
    ['a numeric password', '{"username":"ad\\u0000min","password":1}'],
    ['trailing garbage', '{"username":"admin","password":"password123"} x'],
    ['a BOM only', '\ufeff'],
  ];
  for (const [name, body] of bodies) {
    it(`login with ${name} answers 422`, async () => {
      const r = await send(app, 'POST', '/api/v1/base/access_token', { body, headers: { 'content-type': 'application/json' } });
      expect([r.status, r.text]).toEqual([422, V422]);
    });
  }

  it('unicode usernames and passwords are just unknown users', async () => {
    for (const username of ['管理员', '🦊', 'admin\u200b', 'ＡＤＭＩＮ']) {
      const r = await send(app, 'POST', '/api/v1/base/access_token', { json: { username, password: '密码🔑' } });
      expect([r.status, r.json.msg]).toEqual([400, '无效的用户名']);
    }
  });

  it('ids out of range and odd query values answer 422 or the operation failure, never 500', async () => {
    const cases: [string, number][] = [
      ['user_id=99999999999999999999', 422],
      ['user_id=1e3', 422],
      ['user_id=', 422],
      ['user_id=%00', 422],
      ['user_id=-1', 400],
      ['user_id=%201%20', 200],
      ['user_id=9&user_id=2', 200], // Starlette keeps the last value
    ];
    for (const [q, status] of cases) {
      const r = await send(app, 'GET', `/api/v1/users/get?${q}`, { token: access });
      expect([q, r.status]).toEqual([q, status]);
    }
    const long = await send(app, 'GET', `/api/v1/users/list?username=${'%25'.repeat(5000)}`, { token: access });
    expect(long.status).toBe(200);
  });

  it('wrong types in the create body answer 422', async () => {
    const base = { email: 'a@example.com', username: 'abc', password: 'abc12345' };
    for (const patch of [{ is_active: 'maybe' }, { is_superuser: [] }, { role_ids: [1.5] }, { dept_id: 'x' }, { email: ['a@example.com'] }, { password: 12345678 }]) {
      const r = await send(app, 'POST', '/api/v1/users/create', { token: access, json: { ...base, ...patch } });
      expect([JSON.stringify(patch), r.text]).toEqual([JSON.stringify(patch), V422]);
    }
  });

  it('nothing was written by any of the refused requests', async () => {
    expect((await gw.core.users.list({ page: 1, pageSize: 100 })).total).toBe(7);
  });
});
