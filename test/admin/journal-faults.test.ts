// The journal and the fault rules as each realm wires them (src/realm.ts: tenant → journal → faults → serve), through
// the admin plane: every dialect's requests recorded and redacted, explain on a real denial, a fault on one route only,
// per tenant, and a reset that clears both unless kept.
import { describe, expect, it } from 'vitest';
import { makeRig, send, V1, type Rig } from './support.ts';

const tenant = (id: string) => ({ 'x-dialectgate-tenant': id });
const v1Login = (rig: Rig, password: string, headers: Record<string, string> = {}) =>
  send(rig.port('v1auth'), 'POST', `${V1}/login`, { json: { username: 'admin', password }, headers });

describe('journal and faults, wired per realm', () => {
  it('records each dialect port, redacts the password and the token, explains a real denial', async () => {
    const rig = await makeRig();
    const ok = await v1Login(rig, 'password123');
    const token = ok.json.data.token as string;
    await send(rig.port('fastapi'), 'GET', '/api/v1/base/userinfo', { token: 'not-a-token' });
    await send(rig.port('flask'), 'POST', '/api/auth/login', { json: { username: 'admin', password: 'nope' } });
    await send(rig.port('openapi'), 'GET', '/api/v1/nothing');
    const items = (await rig.admin('GET', '/__admin/requests')).json.items;
    expect(items.map((i: { dialect: string; status: number }) => [i.dialect, i.status])).toEqual([
      ['v1auth', 200],
      ['fastapi', 401],
      ['flask', 200],
      ['openapi', 200], // its legacy answer to an unknown path: code 1108 in a 200
    ]);
    const entry = (await rig.admin('GET', `/__admin/requests/${items[0].id}`)).json;
    const seen = JSON.stringify(entry);
    expect(seen).not.toContain('password123');
    expect(seen).not.toContain(token);
    expect(entry.user).toBe('admin');
    // flask answers a wrong password 200 登录失败; explain still names the core's reason.
    const flaskWhy = await rig.admin('GET', `/__admin/requests/${items[2].id}/explain`);
    expect(flaskWhy.status).toBe(200);
    expect(flaskWhy.json.kind).toBe('invalid_credentials');
    expect(items[2].decision).toBe('invalid_credentials');
    expect((await rig.admin('GET', `/__admin/requests/${items[0].id}/explain`)).status).toBe(404);
    expect((await rig.admin('GET', '/__admin/requests/count?dialect=fastapi')).json).toEqual({ count: 1 });
  });

  it('a fault rule changes only its route, in its tenant only', async () => {
    const rig = await makeRig();
    const rule = await rig.admin('POST', '/__admin/faults', { json: { dialect: 'v1auth', method: 'POST', path: '/api/v1/auth/login', status: 503, body: 'down' }, headers: tenant('team-a') });
    expect(rule.status).toBe(201);
    const hit = await v1Login(rig, 'password123', tenant('team-a'));
    expect([hit.status, hit.text]).toEqual([503, 'down']);
    expect((await v1Login(rig, 'password123')).status).toBe(200);
    expect((await v1Login(rig, 'password123', tenant('team-b'))).status).toBe(200);
    expect((await send(rig.port('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username: 'admin', password: 'password123' }, headers: tenant('team-a') })).status).toBe(200);
    const journal = (await rig.admin('GET', '/__admin/requests', { headers: tenant('team-a') })).json.items;
    expect(journal.map((i: { fault: string | null }) => i.fault)).toEqual([rule.json.id, null]);
    expect((await rig.admin('GET', '/__admin/faults')).json.items).toEqual([]);
  });

  it('a reset clears the journal and the faults unless kept', async () => {
    const rig = await makeRig();
    await rig.admin('POST', '/__admin/faults', { json: { path: '/nowhere', status: 500 } });
    await v1Login(rig, 'wrong');
    await rig.admin('POST', '/__admin/reset', { json: { keep: ['journal', 'faults'] } });
    expect((await rig.admin('GET', '/__admin/requests/count')).json.count).toBe(1);
    expect((await rig.admin('GET', '/__admin/faults')).json.items).toHaveLength(1);
    await rig.admin('POST', '/__admin/reset', { json: { keep: ['faults'] } });
    expect((await rig.admin('GET', '/__admin/requests/count')).json.count).toBe(0);
    expect((await rig.admin('GET', '/__admin/faults')).json.items).toHaveLength(1);
    await rig.admin('POST', '/__admin/reset', {});
    expect((await rig.admin('GET', '/__admin/faults')).json.items).toEqual([]);
  });
});
