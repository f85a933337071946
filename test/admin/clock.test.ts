// The virtual clock (spec §4): the endpoints and their bodies, and the `policy` scope end to end — a token expires on
// `advance` while clients still get tokens stamped in real time, one issued after the advance lives its full life,
// a lockout window passes, a temporary password expires; under `all` the claims follow virtual time too.
import { describe, expect, it } from 'vitest';
import { ControllableClock, ManualClock } from '../../src/core/ports.ts';
import { claimsOf, fastapiLogin, makeRig, send, T0, V1, v1Get, v1Login, type Rig } from './support.ts';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const clockOf = async (rig: Rig, op: string, json?: unknown) => {
  const r = await rig.admin(op === 'get' ? 'GET' : 'POST', op === 'get' ? '/__admin/clock' : `/__admin/clock/${op}`, json === undefined ? {} : { json });
  expect(r.status, r.text).toBe(200);
  return r.json;
};

describe('ControllableClock', () => {
  it('wall + offset, or frozen; resume continues from the frozen instant; reset goes back to the wall', () => {
    const wall = new ManualClock(T0);
    const c = new ControllableClock(() => wall.now());
    expect(c.state()).toEqual({ now: T0, wall: T0, offsetMs: 0, frozen: false, scope: 'policy' });
    c.advance(5 * H);
    wall.advance(1000);
    expect(c.now()).toBe(T0 + 5 * H + 1000);
    expect(c.stamp()).toBe(T0 + 1000); // policy: records and claims stay wall
    c.freeze();
    wall.advance(60_000);
    expect(c.now()).toBe(T0 + 5 * H + 1000);
    c.advance(1000);
    expect(c.now()).toBe(T0 + 5 * H + 2000);
    c.resume();
    wall.advance(500);
    expect(c.now()).toBe(T0 + 5 * H + 2500);
    c.set(T0 - H, 'all');
    expect(c.now()).toBe(T0 - H);
    expect(c.stamp()).toBe(T0 - H);
    c.reset();
    expect(c.state()).toEqual({ now: wall.now(), wall: wall.now(), offsetMs: 0, frozen: false, scope: 'policy' });
  });

  it('a token is checked at now minus the drift when it was signed; the horizon never runs ahead of any token', () => {
    const wall = new ManualClock(T0);
    const c = new ControllableClock(() => wall.now());
    expect(c.tokenNow('a.b.before')).toBe(T0);
    c.advance(5 * H);
    c.issued('a.b.after');
    expect(c.tokenNow('a.b.after')).toBe(T0); // its claims are wall: it lives its full life from here
    expect(c.tokenNow('a.b.before')).toBe(T0 + 5 * H); // issued at drift 0: 5 h older
    expect(c.horizon()).toBe(T0);
    c.forgetTokens();
    expect(c.tokenNow('a.b.after')).toBe(T0 + 5 * H);
  });
});

describe('clock endpoints', () => {
  it('GET, set, advance, freeze, resume, reset answer the clock', async () => {
    const rig = await makeRig();
    expect(await clockOf(rig, 'get')).toEqual({ now: iso(T0), now_ms: T0, wall: iso(T0), offset_ms: 0, frozen: false, scope: 'policy' });
    expect(await clockOf(rig, 'advance', { by: 'PT4H1S' })).toEqual({ now: iso(T0 + 4 * H + 1000), now_ms: T0 + 4 * H + 1000, wall: iso(T0), offset_ms: 4 * H + 1000, frozen: false, scope: 'policy' });
    expect((await clockOf(rig, 'set', { to: '2030-01-01T00:00:00Z' })).now).toBe('2030-01-01T00:00:00.000Z');
    expect((await clockOf(rig, 'set', { to: T0 + 1 })).now_ms).toBe(T0 + 1);
    const frozen = await clockOf(rig, 'freeze', { at: T0 + 10 * H });
    expect(frozen).toMatchObject({ now_ms: T0 + 10 * H, frozen: true });
    rig.wall.advance(5000);
    expect((await clockOf(rig, 'get')).now_ms).toBe(T0 + 10 * H);
    expect((await clockOf(rig, 'advance', { by: 1000 })).now_ms).toBe(T0 + 10 * H + 1000);
    const resumed = await clockOf(rig, 'resume');
    expect(resumed).toMatchObject({ now_ms: T0 + 10 * H + 1000, frozen: false });
    rig.wall.advance(10);
    expect((await clockOf(rig, 'get')).now_ms).toBe(T0 + 10 * H + 1010);
    expect(await clockOf(rig, 'freeze', { scope: 'all' })).toMatchObject({ frozen: true, scope: 'all' });
    expect(await clockOf(rig, 'advance', { by: 0 })).toMatchObject({ scope: 'all' }); // scope sticks
    expect(await clockOf(rig, 'reset')).toEqual({ now: iso(rig.wall.now()), now_ms: rig.wall.now(), wall: iso(rig.wall.now()), offset_ms: 0, frozen: false, scope: 'policy' });
  });

  it('refuses bad bodies with 400 invalid_request', async () => {
    const rig = await makeRig();
    const bad = async (op: string, json: unknown) => {
      const r = await rig.admin('POST', `/__admin/clock/${op}`, { json });
      expect([r.status, r.json.error.code], `${op} ${JSON.stringify(json)}`).toEqual([400, 'invalid_request']);
    };
    await bad('set', {});
    await bad('set', { to: 'yesterday' });
    await bad('advance', {});
    await bad('advance', { by: -1 });
    await bad('advance', { by: 'P1M' });
    await bad('advance', { by: 1, scope: 'everything' });
    await bad('freeze', { at: [] });
    await bad('resume', { to: 1 });
    expect((await clockOf(rig, 'get')).offset_ms).toBe(0);
  });
});

describe('the policy scope', () => {
  it('v1auth: a 24 h token expires on advance P1DT1S; a new one is stamped in real time and lives its full life', async () => {
    const rig = await makeRig();
    const old = await v1Login(rig);
    expect((await v1Get(rig, '/users/1', old)).status).toBe(200);
    await clockOf(rig, 'advance', { by: 'P1DT1S' });
    expect((await v1Get(rig, '/users/1', old)).status).toBe(401);
    const fresh = await v1Login(rig);
    const claims = claimsOf(fresh);
    expect(claims.iat).toBe(T0 / 1000); // the wall, not virtual time
    expect(claims.exp).toBe(T0 / 1000 + 86_400);
    expect((await v1Get(rig, '/users/1', fresh)).status).toBe(200);
    await clockOf(rig, 'advance', { by: 'PT23H59M' });
    expect((await v1Get(rig, '/users/1', fresh)).status).toBe(200);
    await clockOf(rig, 'advance', { by: 'PT2M' });
    expect((await v1Get(rig, '/users/1', fresh)).status).toBe(401);
  });

  it('fastapi: the 4 h access token expires on advance PT4H1S; the refresh token (7 d) still refreshes', async () => {
    const rig = await makeRig();
    const { access, refresh } = await fastapiLogin(rig);
    const me = (t: string) => send(rig.app('fastapi'), 'GET', '/api/v1/base/userinfo', { token: t });
    expect((await me(access)).status).toBe(200);
    await clockOf(rig, 'advance', { by: 'PT4H1S' });
    const r = await me(access);
    expect(r.status).toBe(401);
    expect(r.json.msg).toBe('登录已过期');
    const refreshed = await send(rig.app('fastapi'), 'POST', '/api/v1/base/refresh_token', { json: { refresh_token: refresh } });
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.json.data.access_token).exp).toBe(T0 / 1000 + 4 * 3600); // stamped wall
    expect((await me(refreshed.json.data.access_token)).status).toBe(200);
  });

  it('flask: a refresh token (30 d) is refused once virtual time passes it', async () => {
    const rig = await makeRig();
    const login = await send(rig.app('flask'), 'POST', '/api/auth/login', { json: { username: 'lisi', password: 'lisi1234' } });
    const refresh = login.json.data.refresh_token as string;
    const use = () => send(rig.app('flask'), 'POST', '/api/auth/refresh', { headers: { authorization: `Bearer ${refresh}` } });
    expect((await use()).status).toBe(200);
    await clockOf(rig, 'advance', { by: 'P30DT1S' });
    const r = await use();
    expect(r.status).toBe(401);
    expect(r.json.msg).toBe('Token has expired');
  });

  it('openapi: the refresh token (14 d) is refused with 1010 after advance P14DT1S', async () => {
    const rig = await makeRig();
    const login = await send(rig.app('openapi'), 'POST', '/v1.0/openapi/auth/login', { json: { username: 'admin', password: 'password123' } });
    await clockOf(rig, 'advance', { by: 'P14DT1S' });
    const r = await send(rig.app('openapi'), 'POST', `/v1.0/openapi/token/${login.json.result.refresh_token}`);
    expect(r.json.code).toBe(1010);
    expect(r.json.t).toBe(T0); // the answer's timestamp stays wall
  });

  it('a lockout window passes on advance', async () => {
    const rig = await makeRig();
    const v1 = rig.app('v1auth');
    for (let i = 0; i < 5; i++) await send(v1, 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'wrong' } });
    const view = (await rig.admin('GET', '/__admin/users/lisi/security')).json;
    expect(view.lockout).toEqual({ locked: true, locked_until: iso(T0 + 60_000), failures: 5 });
    expect((await send(v1, 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'lisi1234' } })).status).not.toBe(200);
    await clockOf(rig, 'advance', { by: 'PT61S' });
    expect((await rig.admin('GET', '/__admin/users/lisi/security')).json.lockout.locked).toBe(false);
    expect((await send(v1, 'POST', `${V1}/login`, { json: { username: 'lisi', password: 'lisi1234' } })).status).toBe(200);
  });

  it('a temporary password expires on advance (v1auth: 24 h)', async () => {
    const rig = await makeRig();
    const admin = await v1Login(rig);
    const reset = await send(rig.app('v1auth'), 'POST', `${V1}/users/3/reset-password`, { token: admin, json: { send_email: false } });
    const temporary = reset.json.data.temporary_password as string;
    await clockOf(rig, 'advance', { by: 'P1DT1S' });
    expect((await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: temporary } })).status).toBe(401);
  });

  it('a temporary password issued after an advance lives its full 24 h of virtual time', async () => {
    const rig = await makeRig();
    await clockOf(rig, 'advance', { by: 'P10D' });
    const admin = await v1Login(rig);
    const reset = await send(rig.app('v1auth'), 'POST', `${V1}/users/3/reset-password`, { token: admin, json: { send_email: false } });
    await clockOf(rig, 'advance', { by: 'PT23H' });
    expect((await send(rig.app('v1auth'), 'POST', `${V1}/login`, { json: { username: 'lisi', password: reset.json.data.temporary_password } })).status).toBe(200);
  });

  it('a frozen clock stops expiry', async () => {
    const rig = await makeRig();
    await clockOf(rig, 'freeze');
    const token = await v1Login(rig);
    rig.wall.advance(2 * 86_400_000); // two real days pass
    expect((await v1Get(rig, '/users/1', token)).status).toBe(200);
  });
});

describe('the all scope', () => {
  it('claims and record times follow virtual time', async () => {
    const rig = await makeRig();
    await clockOf(rig, 'advance', { by: 'P2D', scope: 'all' });
    const token = await v1Login(rig);
    expect(claimsOf(token).iat).toBe(T0 / 1000 + 2 * 86_400);
    expect((await v1Get(rig, '/users/1', token)).status).toBe(200);
    const audit = await rig.store.records.recentAudit(1);
    expect(audit[0]!.at).toBe(T0 + 2 * 86_400_000);
    await clockOf(rig, 'advance', { by: 'P1DT1S' });
    expect((await v1Get(rig, '/users/1', token)).status).toBe(401);
  });
});
