// startGateway of dialectgate/testing, for real: the listeners it binds, in memory unless a data directory is given,
// the rate limits off by default, the clock option (kept through the helper's resets), a fixture set given as an
// object, the admin token passed on, and AdminError from the real plane.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminError, createAdminClient, startGateway, type TestGateway } from '../../src/testing/index.ts';

const dirs: string[] = [];
const open: TestGateway<never>[] = [];
afterAll(async () => {
  await Promise.all(open.map((g) => g.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
/** Closed after the file even when a test fails half-way. */
const start: typeof startGateway = async (o) => {
  const gw = await startGateway(o);
  open.push(gw as TestGateway<never>);
  return gw;
};

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const v1Login = (gw: { urls: { v1auth: string } }, username: string, password: string) => post(`${gw.urls.v1auth}/api/v1/auth/login`, { username, password });
const fastapiLogin = (gw: { urls: { fastapi: string } }) => post(`${gw.urls.fastapi}/api/v1/base/access_token`, { username: 'admin', password: 'password123' });

describe('listeners', () => {
  it('every dialect and the admin plane on 127.0.0.1, free ports; the dev fixtures; close() twice, then nothing listens', async () => {
    const gw = await start();
    expect(Object.keys(gw.urls).sort()).toEqual(['admin', 'fastapi', 'flask', 'openapi', 'v1auth']);
    for (const url of Object.values(gw.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(Object.values(gw.urls)).size).toBe(5);
    expect(Object.values(gw.urls)).not.toContain('http://127.0.0.1:8900');
    const version = await gw.admin.version();
    expect(version.urls).toEqual(gw.urls);
    expect(version.store).toBe('sqlite');
    expect(await gw.admin.health()).toEqual({ status: 'ok', store: 'ok' });
    expect(await gw.admin.reset()).toMatchObject({ tenant: 'default', fixtures: 'dev', users: 7 });
    expect((await fastapiLogin(gw)).status).toBe(200);
    expect((await post(`${gw.urls.flask}/api/auth/login`, { username: 'licheng.zhou9', password: 'Zhougezuishuai22' })).status).toBe(200);
    expect((await v1Login(gw, 'admin', 'password123')).status).toBe(200);
    expect((await post(`${gw.urls.openapi}/v1.0/openapi/auth/login`, { username: 'admin', password: 'password123' })).status).toBe(200);
    await Promise.all([gw.close(), gw.close()]);
    await gw.close();
    for (const url of Object.values(gw.urls)) await expect(fetch(url)).rejects.toThrow();
  });

  it('dialects: only those listen, and urls has only them and admin', async () => {
    const gw = await start({ dialects: ['v1auth'] });
    expect(Object.keys(gw.urls).sort()).toEqual(['admin', 'v1auth']);
    expect(Object.keys((await gw.admin.version()).urls).sort()).toEqual(['admin', 'v1auth']);
    expect((await v1Login(gw, 'admin', 'password123')).status).toBe(200);
  });
});

describe('store', () => {
  // A wrong password is a failure the store keeps: still there after a restart on the same directory, gone in memory.
  const failOnce = async (gw: TestGateway<'v1auth'>) => {
    expect((await v1Login(gw, 'lisi', 'wrong')).status).toBe(401);
    expect((await gw.admin.users.security('lisi')).lockout.failures).toBe(1);
  };

  it('in memory without dataDir: a restart starts from the fixtures again', async () => {
    const a = await start({ dialects: ['v1auth'] });
    await failOnce(a);
    await a.close();
    const b = await start({ dialects: ['v1auth'] });
    expect((await b.admin.users.security('lisi')).lockout.failures).toBe(0);
  });

  it('dataDir: the store is a file there and outlives the gateway', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dialectgate-testing-'));
    dirs.push(dataDir);
    const a = await start({ dialects: ['v1auth'], dataDir });
    expect(existsSync(join(dataDir, 'gateway.db'))).toBe(true);
    await failOnce(a);
    await a.close();
    const b = await start({ dialects: ['v1auth'], dataDir });
    expect((await b.admin.users.security('lisi')).lockout.failures).toBe(1);
  });

  it('fixtures as an object: seeded from it, and every reset (by any client) returns to it; its file gone at close', async () => {
    const gw = await start({ dialects: ['v1auth'], fixtures: { users: [{ username: 'ops', email: 'ops@example.com', password: 'a-long-secret', isSuperuser: true }] } });
    expect((await v1Login(gw, 'ops', 'a-long-secret')).status).toBe(200);
    expect((await v1Login(gw, 'admin', 'password123')).status).toBe(401);
    const plain = await createAdminClient(gw.urls.admin).reset();
    expect(plain.users).toBe(1);
    expect(plain.fixtures).toMatch(/fixtures\.json$/);
    expect(existsSync(plain.fixtures!)).toBe(true);
    expect((await v1Login(gw, 'ops', 'a-long-secret')).status).toBe(200);
    await gw.close();
    expect(existsSync(plain.fixtures!)).toBe(false);
  });
});

describe('options', () => {
  it('rateLimits: off by default (six fastapi logins a minute pass), on when asked (the sixth is 429)', async () => {
    const off = await start({ dialects: ['fastapi'] });
    const on = await start({ dialects: ['fastapi'], rateLimits: true });
    const statuses = async (gw: TestGateway<'fastapi'>) => {
      const out: number[] = [];
      for (let i = 0; i < 6; i++) out.push((await fastapiLogin(gw)).status);
      return out;
    };
    expect(await statuses(off)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await statuses(on)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('clock.freeze at an instant, scope all: applied at start and after resets and restores through the helper', async () => {
    const gw = await start({ dialects: ['v1auth'], clock: { freeze: '2030-01-01T00:00:00Z', scope: 'all' } });
    const frozen = { now: '2030-01-01T00:00:00.000Z', frozen: true, scope: 'all' };
    expect(await gw.admin.clock.get()).toMatchObject(frozen);
    await gw.admin.clock.advance('PT1H');
    await gw.admin.reset();
    expect(await gw.admin.clock.get()).toMatchObject(frozen);
    await gw.admin.clock.advance('PT1H');
    await gw.admin.reset({ keep: ['clock'] }); // kept: as it was
    expect(await gw.admin.clock.get()).toMatchObject({ now: '2030-01-01T01:00:00.000Z', frozen: true });
    const snap = await gw.admin.snapshots.create();
    await gw.admin.snapshots.restore(snap.id);
    expect(await gw.admin.clock.get()).toMatchObject(frozen);
    // A tenant's client re-applies it too, on the tenant's own clock.
    const t = gw.tenant('clocked');
    await t.admin.reset();
    expect(await t.admin.clock.get()).toMatchObject(frozen);
    // A client of its own is the plane as it is: its reset puts the clock back to the wall.
    await createAdminClient(gw.urls.admin).reset();
    expect(await gw.admin.clock.get()).toMatchObject({ frozen: false, scope: 'policy', offset_ms: 0 });
  });

  it('clock.set (with freeze: true, and alone), clock.scope alone; set and freeze both instants is a TypeError', async () => {
    const pinned = await start({ dialects: ['v1auth'], clock: { set: Date.UTC(2031, 5, 1), freeze: true } });
    expect(await pinned.admin.clock.get()).toMatchObject({ now: '2031-06-01T00:00:00.000Z', frozen: true, scope: 'policy' });
    const running = await start({ dialects: ['v1auth'], clock: { set: new Date(Date.UTC(2031, 5, 1)) } });
    const c = await running.admin.clock.get();
    expect(c.frozen).toBe(false);
    expect(c.now_ms - Date.UTC(2031, 5, 1)).toBeGreaterThanOrEqual(0);
    expect(c.now_ms - Date.UTC(2031, 5, 1)).toBeLessThan(60_000);
    const scoped = await start({ dialects: ['v1auth'], clock: { scope: 'all' } });
    await scoped.admin.reset();
    expect(await scoped.admin.clock.get()).toMatchObject({ frozen: false, scope: 'all', offset_ms: 0 });
    await expect(startGateway({ clock: { set: '2030-01-01T00:00:00Z', freeze: '2030-01-02T00:00:00Z' } })).rejects.toThrow(TypeError);
  });

  it('args: a gateway with --admin-token; the helper sends it, a client without it gets 401', async () => {
    const token = 'k'.repeat(24);
    const gw = await start({ dialects: ['v1auth'], args: ['--admin-token', token] });
    expect(await gw.admin.clock.get()).toHaveProperty('now');
    await expect(createAdminClient(gw.urls.admin).clock.get()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(createAdminClient(gw.urls.admin, { token }).clock.get()).resolves.toHaveProperty('now');
    // The tenant's client carries it too: past the token check, to the tenant check.
    await expect(gw.tenant('not a tenant!').admin.clock.get()).rejects.toMatchObject({ status: 400, code: 'invalid_tenant' });
  });

  it('errors of the real plane are AdminError', async () => {
    const gw = await start({ dialects: ['v1auth'] });
    const e = await gw.admin.snapshots.get('nope').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdminError);
    expect(e).toMatchObject({ status: 404, code: 'not_found' });
    await expect(gw.admin.users.security('nobody')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(gw.admin.clock.advance('P1Y')).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
