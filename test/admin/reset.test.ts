// POST /__admin/reset (spec §4): the whole store replaced by the fixtures, every in-process state cleared through the
// one lifecycle registry (read cache, usage queue, JWT memos, rate-limit windows, token drifts), no earlier token
// surviving; atomic for this process (requests in flight finish, new ones wait); invalid sets change nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/core/index.ts';
import { createLifecycle } from '../../src/core/lifecycle.ts';
import { fastapiLogin, makeRig, send, T0, V1, v1Get, v1Login } from './support.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('POST /__admin/reset', () => {
  it('answers {tenant, fixtures, users, at} and replaces the store with the fixtures', async () => {
    const rig = await makeRig();
    await rig.core.users.create({ username: 'extra', email: 'extra@example.com', password: 'Extra12345' }, SYSTEM);
    expect((await rig.store.users.list({ page: 1, pageSize: 1 })).total).toBe(8);
    rig.wall.advance(1234);
    const r = await rig.admin('POST', '/__admin/reset');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ tenant: 'default', fixtures: 'dev', users: 7, at: iso(T0 + 1234) });
    expect(await rig.store.users.byUsername('extra')).toBeUndefined();
    expect(await rig.store.records.recentAudit(10)).toEqual([]);
    expect((await rig.store.users.byUsername('admin'))!.id).toBe(1);
  });

  it('loads a named set from <data-dir>/fixtures, or an object; unknown names 404, invalid sets 400 invalid_fixture, nothing changed', async () => {
    const rig = await makeRig();
    const tiny = {
      departments: [],
      permissions: [],
      roles: [{ name: 'r', permissions: [] }],
      users: [{ username: 'solo', email: 'solo@example.com', password: 'Solo12345', isSuperuser: true, roles: ['r'] }],
    };
    mkdirSync(join(rig.dataDir, 'fixtures'));
    writeFileSync(join(rig.dataDir, 'fixtures', 'tiny.json'), JSON.stringify(tiny));
    const named = await rig.admin('POST', '/__admin/reset', { json: { fixtures: 'tiny' } });
    expect(named.json).toMatchObject({ fixtures: 'tiny', users: 1 });
    expect((await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'solo', password: 'Solo12345' } })).status).toBe(200);

    const inline = await rig.admin('POST', '/__admin/reset', { json: { fixtures: { ...tiny, users: [{ ...tiny.users[0], username: 'inline' }] } } });
    expect(inline.json).toMatchObject({ fixtures: null, users: 1 });
    expect(await rig.store.users.byUsername('inline')).toBeDefined();

    const missing = await rig.admin('POST', '/__admin/reset', { json: { fixtures: 'nope' } });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'not_found']);
    const broken = await rig.admin('POST', '/__admin/reset', { json: { fixtures: { ...tiny, users: [{ username: 'x', email: 'not-mail', password: 'p', roles: ['ghost'] }] } } });
    expect([broken.status, broken.json.error.code]).toEqual([400, 'invalid_fixture']);
    expect(broken.json.error.message).toContain('users[0].email');
    expect(broken.json.error.message).toContain('ghost');
    const path = await rig.admin('POST', '/__admin/reset', { json: { fixtures: '../etc/passwd' } });
    expect([path.status, path.json.error.code]).toEqual([400, 'invalid_request']);
    const keep = await rig.admin('POST', '/__admin/reset', { json: { keep: ['everything'] } });
    expect([keep.status, keep.json.error.code]).toEqual([400, 'invalid_request']);
    // none of the refused resets changed anything
    expect(await rig.store.users.byUsername('inline')).toBeDefined();
  });

  it('no earlier token survives: v1auth, fastapi, flask refresh, openapi refresh, and an API key', async () => {
    const rig = await makeRig();
    const v1 = await v1Login(rig);
    const fa = await fastapiLogin(rig);
    const flask = (await send(rig.app('flask'), 'POST', '/api/auth/login', { json: { username: 'lisi', password: 'lisi1234' } })).json.data.refresh_token;
    const oa = (await send(rig.app('openapi'), 'POST', '/v1.0/openapi/auth/login', { json: { username: 'admin', password: 'password123' } })).json.result.refresh_token;
    const key = (await send(rig.app('v1auth'), 'POST', `${V1}/api-keys`, { token: v1, json: { name: 'k', permissions: ['admin'] } })).json.data.key;
    // warm every memo and cache
    expect((await v1Get(rig, '/users/1', v1)).status).toBe(200);
    expect((await send(rig.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fa.access })).status).toBe(200);
    expect((await send(rig.app('v1auth'), 'GET', `${V1}/users`, { headers: { 'x-api-key': key } })).status).toBe(200);

    expect((await rig.admin('POST', '/__admin/reset')).status).toBe(200);
    expect((await v1Get(rig, '/users/1', v1)).status).toBe(401);
    expect((await send(rig.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fa.access })).status).toBe(401);
    expect((await send(rig.app('fastapi'), 'POST', '/api/v1/base/refresh_token', { json: { refresh_token: fa.refresh } })).status).toBe(401);
    expect((await send(rig.app('flask'), 'POST', '/api/auth/refresh', { headers: { authorization: `Bearer ${flask}` } })).status).toBe(401);
    expect((await send(rig.app('openapi'), 'POST', `/v1.0/openapi/token/${oa}`)).json.code).not.toBe(0);
    expect((await send(rig.app('v1auth'), 'GET', `${V1}/users`, { headers: { 'x-api-key': key } })).status).toBe(401);
  });

  it('clears a lockout, the fastapi rate-limit windows, the usage queue, and resets the clock unless kept', async () => {
    const rig = await makeRig({ config: { rateLimits: true } });
    const fastapi = rig.app('fastapi');
    const login = (password: string) => send(fastapi, 'POST', '/api/v1/base/access_token', { json: { username: 'lisi', password } });
    for (let i = 0; i < 5; i++) await login('wrong');
    expect((await login('lisi1234')).status).toBe(429); // the window's sixth attempt
    expect((await rig.admin('GET', '/__admin/users/lisi/security')).json.lockout.locked).toBe(true);
    const admin = await v1Login(rig);
    const key = (await send(rig.app('v1auth'), 'POST', `${V1}/api-keys`, { token: admin, json: { name: 'k', permissions: ['admin'] } })).json.data;
    await send(rig.app('v1auth'), 'GET', `${V1}/users`, { headers: { 'x-api-key': key.key } }); // a queued use of key 1
    await rig.admin('POST', '/__admin/clock/advance', { json: { by: 'PT1H' } });

    expect((await rig.admin('POST', '/__admin/reset', { json: { keep: ['clock'] } })).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/clock')).json.offset_ms).toBe(3_600_000);
    expect((await rig.admin('GET', '/__admin/users/lisi/security')).json.lockout).toEqual({ locked: false, locked_until: null, failures: 0 });
    expect((await login('lisi1234')).status).toBe(200); // window and lockout gone
    // the queued use was dropped: a key created after the reset (id 1 again) has no use
    const again = await v1Login(rig);
    const fresh = (await send(rig.app('v1auth'), 'POST', `${V1}/api-keys`, { token: again, json: { name: 'k2', permissions: ['admin'] } })).json.data;
    await rig.core.apiKeys.flush();
    expect((await rig.core.apiKeys.stats(Number(fresh.id), 86_400_000)).total).toBe(0);

    expect((await rig.admin('POST', '/__admin/reset')).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/clock')).json).toMatchObject({ offset_ms: 0, frozen: false, scope: 'policy' });
  });

  it('every stateful module is registered with the one lifecycle registry', async () => {
    const rig = await makeRig({ config: { rateLimits: true } });
    for (const name of ['fastapi', 'flask', 'v1auth', 'openapi'] as const) rig.app(name);
    expect(rig.core.lifecycle.names()).toEqual(['read cache', 'api-key usage queue', 'journal', 'faults', 'clock', 'fastapi JWT memo', 'fastapi rate-limit windows', 'flask JWT memo', 'v1auth JWT memo']);
  });

  it('is atomic for the process: requests in flight finish first, requests arriving meanwhile wait', async () => {
    const rig = await makeRig();
    let release!: () => void;
    const slowHasher = rig.core.hasher.verify;
    let held = false;
    rig.core.hasher.verify = async (h, p) => {
      if (!held) {
        held = true;
        await new Promise<void>((r) => (release = r));
      }
      return slowHasher(h, p);
    };
    const inFlight = send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'lisi1234' } });
    await new Promise((r) => setTimeout(r, 5));
    expect(rig.core.lifecycle.inFlight()).toBe(1);
    let resetDone = false;
    const reset = rig.admin('POST', '/__admin/reset').then((r) => ((resetDone = true), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(resetDone).toBe(false); // waits for the login
    let laterDone = false;
    const later = send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'admin', password: 'password123' } }).then((r) => ((laterDone = true), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(laterDone).toBe(false);
    release();
    expect((await inFlight).status).toBe(200);
    expect((await reset).status).toBe(200);
    const token = (await later).json.data.token;
    expect((await v1Get(rig, '/users/1', token)).status).toBe(200); // issued after the reset: it lives
  });
});

describe('the lifecycle gate', () => {
  it('adds no promise to a synchronous answer while open, and reopens when the replace throws', async () => {
    const lc = createLifecycle();
    expect(lc.admit(() => 42)).toBe(42);
    let cleared = 0;
    lc.register('x', () => cleared++);
    await expect(lc.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cleared).toBe(1);
    expect(lc.admit(() => 'open')).toBe('open');
  });
});
