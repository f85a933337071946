// Tenants (control-plane.md §4): X-Dialectgate-Tenant on any dialect port selects an isolated realm made on first use
// from the base fixtures; absent or `default` is the normal store. Own store, clock and outbox; listed and deleted
// through the admin plane.
import { describe, expect, it } from 'vitest';
import { TENANT_LIMIT } from '../../src/tenants.ts';
import { makeRig, send, V1, type Rig } from './support.ts';

const tenant = (id: string) => ({ 'x-dialectgate-tenant': id });

async function login(rig: Rig, id: string | undefined, username = 'admin', password = 'password123') {
  const r = await send(rig.port('v1auth'), 'POST', `${V1}/login`, { json: { username, password }, headers: id ? tenant(id) : {} });
  return r.json?.data?.token as string | undefined;
}

const createUser = async (rig: Rig, id: string, token: string, username: string, email: string) =>
  send(rig.port('v1auth'), 'POST', `${V1}/users`, { token, headers: tenant(id), json: { username, email, password: 'Secret-pass-1', roles: [] } });

const emailOf = async (rig: Rig, id: string | undefined, username: string) => {
  const realm = await rig.tenants.get(id);
  return (await realm.store.users.byUsername(username))?.email;
};

describe('tenants', () => {
  it('two tenants writing the same usernames at once never see each other, nor does the default store', async () => {
    const rig = await makeRig();
    const [a, b] = await Promise.all([login(rig, 'team-a'), login(rig, 'team-b')]);
    expect(a && b).toBeTruthy();
    const names = ['carol', 'dave', 'erin', 'frank'];
    const answers = await Promise.all(
      names.flatMap((n) => [createUser(rig, 'team-a', a!, n, `${n}@a.example`), createUser(rig, 'team-b', b!, n, `${n}@b.example`)]),
    );
    expect(answers.map((r) => r.status)).toEqual(names.flatMap(() => [200, 200]));
    for (const n of names) {
      expect(await emailOf(rig, 'team-a', n)).toBe(`${n}@a.example`);
      expect(await emailOf(rig, 'team-b', n)).toBe(`${n}@b.example`);
      expect(await emailOf(rig, undefined, n)).toBeUndefined();
    }
    // Each logs in only where it was made.
    expect(await login(rig, 'team-a', 'carol', 'Secret-pass-1')).toBeTruthy();
    expect(await login(rig, undefined, 'carol', 'Secret-pass-1')).toBeUndefined();
  });

  it("a tenant's token is refused by another tenant and by the default store", async () => {
    const rig = await makeRig();
    const token = (await login(rig, 'team-a'))!;
    const me = (id?: string) => send(rig.port('v1auth'), 'GET', `${V1}/users/1`, { token, headers: id ? tenant(id) : {} });
    expect((await me('team-a')).status).toBe(200);
    expect((await me('team-b')).status).toBe(401);
    expect((await me()).status).toBe(401);
  });

  it('each tenant has its own clock, outbox and reset; the admin plane scopes by the header', async () => {
    const rig = await makeRig();
    const adminA = (method: string, path: string, json?: unknown) => rig.admin(method, path, { headers: tenant('team-a'), ...(json !== undefined && { json }) });
    expect((await adminA('POST', '/__admin/clock/advance', { by: 'PT1H' })).json.offset_ms).toBe(3_600_000);
    expect((await rig.admin('GET', '/__admin/clock')).json.offset_ms).toBe(0);
    const token = (await login(rig, 'team-a'))!;
    const reset = await send(rig.port('v1auth'), 'POST', `${V1}/users/3/reset-password`, { token, headers: tenant('team-a'), json: { send_email: true } });
    expect(reset.status).toBe(200);
    expect((await adminA('GET', '/__admin/outbox')).json.items.map((m: { to: string }) => m.to)).toEqual(['lisi@example.com']);
    expect((await rig.admin('GET', '/__admin/outbox')).json.items).toEqual([]);
    await createUser(rig, 'team-a', token, 'carol', 'carol@a.example');
    const answer = await adminA('POST', '/__admin/reset', {});
    expect(answer.json).toMatchObject({ tenant: 'team-a', fixtures: 'dev' });
    expect(await emailOf(rig, 'team-a', 'carol')).toBeUndefined();
    expect((await adminA('GET', '/__admin/clock')).json.offset_ms).toBe(0);
    expect((await adminA('GET', '/__admin/outbox')).json.items).toEqual([]);
    // The tenant's reset did not touch the default store.
    expect((await rig.admin('POST', '/__admin/snapshots', { json: {} })).json.tenant).toBe('default');
    expect((await adminA('POST', '/__admin/snapshots', { name: 'a' })).json.tenant).toBe('team-a');
  });

  it('lists tenants (default first), deletes one (a later use starts afresh), refuses to delete default', async () => {
    const rig = await makeRig();
    const token = (await login(rig, 'team-a'))!;
    await createUser(rig, 'team-a', token, 'carol', 'carol@a.example');
    const list = (await rig.admin('GET', '/__admin/tenants')).json.items;
    expect(list.map((t: { id: string }) => t.id)).toEqual(['default', 'team-a']);
    expect(Object.keys(list[1]).sort()).toEqual(['created_at', 'id', 'last_used_at']);
    expect(new Date(list[1].last_used_at).getTime()).toBeGreaterThanOrEqual(new Date(list[1].created_at).getTime());
    expect((await rig.admin('DELETE', '/__admin/tenants/team-a')).status).toBe(204);
    expect((await rig.admin('GET', '/__admin/tenants')).json.items.map((t: { id: string }) => t.id)).toEqual(['default']);
    expect((await rig.admin('DELETE', '/__admin/tenants/team-a')).json.error.code).toBe('not_found');
    const refused = await rig.admin('DELETE', '/__admin/tenants/default');
    expect([refused.status, refused.json.error.code]).toEqual([409, 'conflict']);
    expect(await emailOf(rig, 'team-a', 'carol')).toBeUndefined();
    expect(await login(rig, 'team-a')).toBeTruthy();
  });

  it('a bad tenant id is 400 invalid_tenant as admin JSON on a dialect port; over the limit 503 limit_reached', async () => {
    const rig = await makeRig();
    for (const bad of ['no spaces', 'x'.repeat(65), 'ü']) {
      const r = await send(rig.port('fastapi'), 'GET', '/api/v1/base/userinfo', { headers: tenant(bad) });
      expect([r.status, r.headers.get('content-type'), r.json.error.code], bad).toEqual([400, 'application/json; charset=utf-8', 'invalid_tenant']);
    }
    await Promise.all(Array.from({ length: TENANT_LIMIT }, (_, i) => rig.tenants.get(`t${i}`)));
    const over = await send(rig.port('flask'), 'POST', '/login', { headers: tenant('one-too-many'), json: {} });
    expect([over.status, over.json.error.code]).toEqual([503, 'limit_reached']);
    expect((await rig.admin('GET', '/__admin/clock', { headers: tenant('one-too-many') })).status).toBe(503);
    // An existing tenant is still served, and the default store always.
    expect(await login(rig, 't7')).toBeTruthy();
    expect(await login(rig, 'default')).toBeTruthy();
  });

  it('one opening per tenant however many requests ask at once', async () => {
    const rig = await makeRig();
    const realms = await Promise.all(Array.from({ length: 5 }, () => rig.tenants.get('team-a')));
    expect(new Set(realms).size).toBe(1);
    expect(rig.tenants.list().map((r) => r.id)).toEqual(['default', 'team-a']);
  });
});
