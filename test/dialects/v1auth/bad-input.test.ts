import { describe, expect, it } from 'vitest';
import { makeGateway, send } from '../../helpers/harness.ts';
import { V1, v1Login } from '../../helpers/v1auth.ts';

// Every route that takes a body, and every query: broken JSON, wrong types, odd values — always this dialect's
// 400 (or 413), never a 500, and nothing written.
// Each route with a body, and a body of the right shape whose fields have the wrong types.
const BODIES: [string, string, unknown][] = [
  ['POST', '/login', { username: { $gt: '' }, password: [] }],
  ['POST', '/refresh', { token: 5 }],
  ['POST', '/users', { username: 'a b', email: 'x', password: 1, roles: 'r' }],
  ['PUT', '/users/7', { roles: [1, 2], status: 5 }],
  ['PUT', '/users/1/password', { current_password: 1, new_password: [] }],
  ['POST', '/users/7/reset-password', { send_email: 'yes' }],
  ['POST', '/roles', { name: '名'.repeat(300), permissions: { x: 1 } }],
  ['PUT', '/roles/7', { permissions: 'read' }],
  ['POST', '/api-keys', { name: '', permissions: [1], expires_in_days: '365' }],
  ['POST', '/permissions', { name: 5 }],
];
const QUERIES = ['/users', '/roles', '/roles/7/users', '/api-keys', '/permissions', '/api-keys/1/stats'];
const NOT_OBJECTS = ['[1,2]', '"text"', '42', 'null', 'true'];
const ODD_QUERIES = ['page=-1', 'page=1.5', 'page_size=0', 'page_size=1e3', 'status=%00', 'page=99999999999', 'time_range=-1d', 'page=%F0%9F%A6%8A'];

describe('v1auth bad input', async () => {
  const gw = await makeGateway();
  const app = gw.app('v1auth');
  const token = await v1Login(app, 'admin', 'password123', true);
  const before = JSON.stringify((await gw.core.users.list({ page: 1, pageSize: 100 })));

  for (const [method, path, wrongTypes] of BODIES) {
    it(`${method} ${path}: broken JSON, non-objects, wrong types answer 400; a huge body 413`, async () => {
      const broken = await send(app, method, V1 + path, { token, body: '{"a":', headers: { 'content-type': 'application/json' } });
      expect([broken.status, broken.text]).toEqual([400, '{"success":false,"code":400,"message":"请求体不是合法的JSON","data":null}']);
      for (const body of [...NOT_OBJECTS, JSON.stringify(wrongTypes)]) {
        const r = await send(app, method, V1 + path, { token, body, headers: { 'content-type': 'application/json' } });
        expect([body.slice(0, 20), r.status, r.json.success]).toEqual([body.slice(0, 20), 400, false]);
      }
      const huge = await send(app, method, V1 + path, { token, body: JSON.stringify({ x: 'y'.repeat(2 << 20) }), headers: { 'content-type': 'application/json' } });
      expect([huge.status, huge.text]).toEqual([413, '{"success":false,"code":413,"message":"请求体过大","data":null}']);
    });
  }

  for (const path of QUERIES) {
    it(`GET ${path}: odd queries answer 200 or 400/404, never 500`, async () => {
      for (const q of ODD_QUERIES) {
        const r = await send(app, 'GET', `${V1}${path}?${q}`, { token });
        expect([q, [200, 400, 404]]).toEqual([q, expect.arrayContaining([r.status])]);
        expect(r.json.code).toBe(r.status);
      }
    });
  }

  it('odd path ids are 404, not 500', async () => {
    for (const id of ['0', '-1', '1.5', '99999999999999999999', '%00', 'null']) {
      const r = await send(app, 'GET', `${V1}/users/${id}`, { token });
      expect([id, r.status]).toEqual([id, 404]);
    }
  });

  it('nothing was written', async () => {
    expect(JSON.stringify((await gw.core.users.list({ page: 1, pageSize: 100 })))).toBe(before);
  });
});
