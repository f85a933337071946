// createAdminClient against a stub admin plane that records what it is sent: one request per method (method, path,
// query, JSON body), instants and durations as given (a Date as ISO), the token and tenant headers, answers passed
// back as sent, and the errors: AdminError from the plane's error shape or any other error answer,
// AdminUnreachableError without an answer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminError, AdminUnreachableError, createAdminClient, type AdminClient } from '../../src/testing/index.ts';
import { closedPort, startStub, type Stub } from './stub.ts';

let stub: Stub;
let admin: AdminClient;
beforeAll(async () => {
  stub = await startStub();
  admin = createAdminClient(`${stub.url}/`);
});
afterAll(() => stub.close());
beforeEach(() => {
  stub.seen = [];
  stub.answer = { status: 200, body: '{"ok":true}' };
});

type Case = [string, (a: AdminClient) => Promise<unknown>, { method: string; url: string; body: unknown }];
const at = new Date(Date.UTC(2030, 0, 1, 8, 30));

describe('one request per method', () => {
  const cases: Case[] = [
    ['health', (a) => a.health(), { method: 'GET', url: '/__admin/health', body: undefined }],
    ['version', (a) => a.version(), { method: 'GET', url: '/__admin/version', body: undefined }],
    ['reset', (a) => a.reset(), { method: 'POST', url: '/__admin/reset', body: {} }],
    ['reset with fixtures and keep', (a) => a.reset({ fixtures: { users: [{ username: 'u', email: 'u@x.io', password: 'p' }] }, keep: ['journal', 'clock'] }), { method: 'POST', url: '/__admin/reset', body: { fixtures: { users: [{ username: 'u', email: 'u@x.io', password: 'p' }] }, keep: ['journal', 'clock'] } }],
    ['snapshots.create', (a) => a.snapshots.create(), { method: 'POST', url: '/__admin/snapshots', body: {} }],
    ['snapshots.create named', (a) => a.snapshots.create({ name: 'before' }), { method: 'POST', url: '/__admin/snapshots', body: { name: 'before' } }],
    ['snapshots.list', (a) => a.snapshots.list(), { method: 'GET', url: '/__admin/snapshots', body: undefined }],
    ['snapshots.get', (a) => a.snapshots.get('s 1'), { method: 'GET', url: '/__admin/snapshots/s%201', body: undefined }],
    ['snapshots.restore', (a) => a.snapshots.restore('snap_1', { keep: ['faults'] }), { method: 'POST', url: '/__admin/snapshots/snap_1/restore', body: { keep: ['faults'] } }],
    ['snapshots.delete', (a) => a.snapshots.delete('snap_1'), { method: 'DELETE', url: '/__admin/snapshots/snap_1', body: undefined }],
    ['clock.get', (a) => a.clock.get(), { method: 'GET', url: '/__admin/clock', body: undefined }],
    ['clock.set ISO', (a) => a.clock.set('2030-01-01T00:00:00Z'), { method: 'POST', url: '/__admin/clock/set', body: { to: '2030-01-01T00:00:00Z' } }],
    ['clock.set Date + scope', (a) => a.clock.set({ to: at, scope: 'all' }), { method: 'POST', url: '/__admin/clock/set', body: { to: '2030-01-01T08:30:00.000Z', scope: 'all' } }],
    ['clock.set epoch ms', (a) => a.clock.set(1893456000000), { method: 'POST', url: '/__admin/clock/set', body: { to: 1893456000000 } }],
    ['clock.advance ISO', (a) => a.clock.advance({ by: 'P1DT1S' }), { method: 'POST', url: '/__admin/clock/advance', body: { by: 'P1DT1S' } }],
    ['clock.advance ms + scope', (a) => a.clock.advance({ by: 60_000, scope: 'policy' }), { method: 'POST', url: '/__admin/clock/advance', body: { by: 60_000, scope: 'policy' } }],
    ['clock.advance bare', (a) => a.clock.advance('PT4H'), { method: 'POST', url: '/__admin/clock/advance', body: { by: 'PT4H' } }],
    ['clock.freeze now', (a) => a.clock.freeze(), { method: 'POST', url: '/__admin/clock/freeze', body: {} }],
    ['clock.freeze at a Date', (a) => a.clock.freeze(at), { method: 'POST', url: '/__admin/clock/freeze', body: { at: '2030-01-01T08:30:00.000Z' } }],
    ['clock.freeze scope only', (a) => a.clock.freeze({ scope: 'all' }), { method: 'POST', url: '/__admin/clock/freeze', body: { scope: 'all' } }],
    ['clock.resume', (a) => a.clock.resume(), { method: 'POST', url: '/__admin/clock/resume', body: {} }],
    ['clock.reset', (a) => a.clock.reset({ scope: 'policy' }), { method: 'POST', url: '/__admin/clock/reset', body: { scope: 'policy' } }],
    ['outbox.list', (a) => a.outbox.list(), { method: 'GET', url: '/__admin/outbox', body: undefined }],
    ['outbox.list filtered', (a) => a.outbox.list({ to: 'lisi@example.com', kind: 'temporary_password', since: at, after: 3, limit: 2 }), { method: 'GET', url: '/__admin/outbox?to=lisi%40example.com&kind=temporary_password&since=2030-01-01T08%3A30%3A00.000Z&after=3&limit=2', body: undefined }],
    ['outbox.get', (a) => a.outbox.get(4), { method: 'GET', url: '/__admin/outbox/4', body: undefined }],
    ['outbox.wait', (a) => a.outbox.wait({ to: 'lisi@example.com', since: 1700000000000, timeout_ms: 2000 }), { method: 'POST', url: '/__admin/outbox/wait', body: { to: 'lisi@example.com', since: 1700000000000, timeout_ms: 2000 } }],
    ['outbox.wait bare', (a) => a.outbox.wait(), { method: 'POST', url: '/__admin/outbox/wait', body: {} }],
    ['outbox.clear', (a) => a.outbox.clear(), { method: 'DELETE', url: '/__admin/outbox', body: undefined }],
    ['requests.list', (a) => a.requests.list({ dialect: 'v1auth', method: 'POST', path: '/api/v1/auth/**', status: '4xx', user: 'lisi', after: 7, limit: 10 }), { method: 'GET', url: '/__admin/requests?dialect=v1auth&method=POST&path=%2Fapi%2Fv1%2Fauth%2F**&status=4xx&user=lisi&after=7&limit=10', body: undefined }],
    ['requests.count', (a) => a.requests.count({ status: 401, since: '2030-01-01T00:00:00Z' }), { method: 'GET', url: '/__admin/requests/count?status=401&since=2030-01-01T00%3A00%3A00Z', body: undefined }],
    ['requests.get', (a) => a.requests.get(12), { method: 'GET', url: '/__admin/requests/12', body: undefined }],
    ['requests.explain', (a) => a.requests.explain(12), { method: 'GET', url: '/__admin/requests/12/explain', body: undefined }],
    ['requests.clear', (a) => a.requests.clear(), { method: 'DELETE', url: '/__admin/requests', body: undefined }],
    ['faults.list', (a) => a.faults.list(), { method: 'GET', url: '/__admin/faults', body: undefined }],
    ['faults.add', (a) => a.faults.add({ dialect: 'fastapi', path: '/api/v1/base/*', status: 503, body: 'down', times: 1, seed: 7 }), { method: 'POST', url: '/__admin/faults', body: { dialect: 'fastapi', path: '/api/v1/base/*', status: 503, body: 'down', times: 1, seed: 7 } }],
    ['faults.remove', (a) => a.faults.remove('f/1'), { method: 'DELETE', url: '/__admin/faults/f%2F1', body: undefined }],
    ['faults.clear', (a) => a.faults.clear(), { method: 'DELETE', url: '/__admin/faults', body: undefined }],
    ['users.security', (a) => a.users.security('lisi'), { method: 'GET', url: '/__admin/users/lisi/security', body: undefined }],
    ['users.unlock by id', (a) => a.users.unlock(3), { method: 'POST', url: '/__admin/users/3/unlock', body: {} }],
    ['users.revokeSessions', (a) => a.users.revokeSessions('李 四'), { method: 'POST', url: '/__admin/users/%E6%9D%8E%20%E5%9B%9B/revoke-sessions', body: {} }],
    ['tenants.list', (a) => a.tenants.list(), { method: 'GET', url: '/__admin/tenants', body: undefined }],
    ['tenants.delete', (a) => a.tenants.delete('team-a'), { method: 'DELETE', url: '/__admin/tenants/team-a', body: undefined }],
  ];
  for (const [name, call, request] of cases) {
    it(name, async () => {
      await call(admin);
      expect(stub.seen).toHaveLength(1);
      expect(stub.last()).toEqual(request);
      const h = stub.seen[0]!.headers;
      expect(h.accept).toBe('application/json');
      expect(h['content-type']).toBe(request.method === 'POST' ? 'application/json' : undefined);
      expect(h.authorization).toBeUndefined();
      expect(h['x-dialectgate-tenant']).toBeUndefined();
    });
  }
});

describe('answers', () => {
  it('JSON as sent; 204 as undefined', async () => {
    stub.answer = { status: 200, body: '{"now":"2030-01-01T00:00:00.000Z","now_ms":1893456000000,"frozen":true}' };
    expect(await admin.clock.get()).toEqual({ now: '2030-01-01T00:00:00.000Z', now_ms: 1893456000000, frozen: true });
    stub.answer = { status: 204, body: '' };
    expect(await admin.outbox.clear()).toBeUndefined();
  });

  it('snapshots.bytes gives the bytes; upload sends them as application/vnd.sqlite3 with the name in the query', async () => {
    const db = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.from([0, 1, 2, 255])]);
    stub.answer = { status: 200, type: 'application/vnd.sqlite3', body: db };
    const bytes = await admin.snapshots.bytes('snap_1');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).equals(db)).toBe(true);
    expect(stub.last().url).toBe('/__admin/snapshots/snap_1/bytes');

    stub.answer = { status: 201, body: '{"id":"snap_2","name":"up","tenant":"default","created_at":"2030-01-01T00:00:00.000Z"}' };
    expect(await admin.snapshots.upload(db, { name: 'up' })).toMatchObject({ id: 'snap_2' });
    await admin.snapshots.upload(new Uint8Array(db).buffer);
    const [named, bare] = stub.seen.slice(-2);
    expect([named!.method, named!.url, named!.headers['content-type']]).toEqual(['POST', '/__admin/snapshots?name=up', 'application/vnd.sqlite3']);
    expect(named!.body.equals(db)).toBe(true);
    expect([bare!.url, bare!.body.equals(db)]).toEqual(['/__admin/snapshots', true]);
  });

  it('token and tenant go out as Authorization: Bearer and X-Dialectgate-Tenant', async () => {
    const scoped = createAdminClient(stub.url, { token: 't'.repeat(20), tenant: 'team-a' });
    await scoped.reset();
    await scoped.snapshots.upload(new Uint8Array(100));
    for (const s of stub.seen) expect(s.headers).toMatchObject({ authorization: `Bearer ${'t'.repeat(20)}`, 'x-dialectgate-tenant': 'team-a' });
    expect(scoped.url).toBe(stub.url);
  });
});

describe('errors', () => {
  it('AdminError with status, code and message from {"error":{"code","message"}}', async () => {
    stub.answer = { status: 404, body: '{"error":{"code":"not_found","message":"no snapshot \\"s9\\""}}' };
    const e = await admin.snapshots.restore('s9').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdminError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'AdminError', status: 404, code: 'not_found', message: 'no snapshot "s9"' });
    stub.answer = { status: 408, body: '{"error":{"code":"timeout","message":"no matching mail within 10 ms"}}' };
    await expect(admin.outbox.wait({ timeout_ms: 10 })).rejects.toMatchObject({ status: 408, code: 'timeout' });
  });

  it('any other error answer: http_<status> and its text', async () => {
    stub.answer = { status: 502, type: 'text/plain', body: 'Bad Gateway\n' };
    await expect(admin.health()).rejects.toMatchObject({ name: 'AdminError', status: 502, code: 'http_502', message: 'Bad Gateway' });
    stub.answer = { status: 500, body: '{"detail":"x"}' };
    await expect(admin.health()).rejects.toMatchObject({ code: 'http_500', message: '{"detail":"x"}' });
  });

  it('AdminUnreachableError without an answer: refused, or none within timeoutMs (outbox.wait adds its wait)', async () => {
    const port = await closedPort();
    const closed = createAdminClient(`http://127.0.0.1:${port}`);
    const e = await closed.clock.get().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdminUnreachableError);
    expect(e).toMatchObject({ url: `http://127.0.0.1:${port}`, reason: 'ECONNREFUSED', message: `cannot reach the admin plane at http://127.0.0.1:${port}: ECONNREFUSED` });

    stub.answer = { status: 200, body: '{}', hold: true };
    const impatient = createAdminClient(stub.url, { timeoutMs: 50 });
    await expect(impatient.clock.get()).rejects.toMatchObject({ name: 'AdminUnreachableError', reason: 'no answer within 50 ms' });
    await expect(impatient.outbox.wait({ timeout_ms: 100 })).rejects.toMatchObject({ reason: 'no answer within 150 ms' });
  });
});
