// GET /__admin/requests (filters, count, entry, explain) and DELETE /__admin/requests, mounted as the lead does.
import { describe, expect, it } from 'vitest';
import { noteDenial, noteUser } from '../../src/http/decisions.ts';
import { createJournal } from '../../src/http/journal.ts';
import { wrap, type Fetch } from '../../src/http/listener.ts';
import { send, T0 } from '../helpers/harness.ts';
import { sendTo } from '../helpers/layers.ts';
import { routesApp } from './routes-support.ts';

const app: Fetch = async (request) => {
  const url = new URL(request.url);
  if (url.pathname === '/login') {
    const body = (await request.json()) as { username: string; password: string };
    noteUser(request, body.username);
    if (body.password !== 'right') {
      noteDenial(request, 'account_locked', { locked_until: '2025-01-01T00:15:00.000Z' });
      return Response.json({ detail: 'locked' }, { status: 403 });
    }
    return Response.json({ access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln' });
  }
  return new Response(null, { status: Number(url.pathname.slice(1)) || 404 });
};

async function rig() {
  let t = T0;
  const journal = createJournal({ now: () => t });
  const fetch = wrap('fastapi', app, [journal.layer]);
  await sendTo(fetch, 'POST', '/login', { json: { username: 'admin', password: 'right' } }); // 1
  t += 1000;
  await sendTo(fetch, 'POST', '/login', { json: { username: 'lisi', password: 'wrong' } }); // 2
  await sendTo(fetch, 'GET', '/401'); // 3
  const admin = routesApp({ journal });
  return { journal, get: (path: string) => send(admin, 'GET', path), admin };
}

describe('GET /__admin/requests', () => {
  it('lists summaries oldest first, filtered', async () => {
    const { get } = await rig();
    const all = await get('/__admin/requests');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(all.json.items.map((s: any) => [s.id, s.user, s.status, s.decision])).toEqual([
      [1, 'admin', 200, null],
      [2, 'lisi', 403, 'account_locked'],
      [3, null, 401, null],
    ]);
    const ids = async (q: string) => (await get(`/__admin/requests?${q}`)).json.items.map((s: any) => s.id);
    expect(await ids('status=4xx')).toEqual([2, 3]);
    expect(await ids('user=lisi')).toEqual([2]);
    expect(await ids('path=/login')).toEqual([1, 2]);
    expect(await ids('method=post&after=1')).toEqual([2]);
    expect(await ids('since=2025-01-01T00:00:01Z')).toEqual([2, 3]);
    expect(await ids(`since=${T0 + 1000}`)).toEqual([2, 3]);
    expect(await ids('limit=1')).toEqual([3]);
    expect(await ids('dialect=flask')).toEqual([]);
  });

  it('refuses what it cannot apply, naming it', async () => {
    const { get } = await rig();
    for (const [q, message] of [
      ['colour=red', /unknown query parameter "colour"/],
      ['limit=0', /limit must be a whole number from 1 to 1000/],
      ['limit=1001', /limit/],
      ['status=4x', /status must be a status such as 401 or a class such as 4xx/],
      ['path=login', /must start with \//],
      ['dialect=django', /dialect must be one of fastapi, flask, v1auth, openapi/],
      ['since=yesterday', /since must be an instant/],
      ['after=-1', /after must be a whole number/],
      ['user=a&user=b', /given twice/],
    ] as const) {
      const r = await get(`/__admin/requests?${q}`);
      expect([r.status, r.json.error.code], q).toEqual([400, 'invalid_request']);
      expect(r.json.error.message).toMatch(message);
    }
  });

  it('/requests/count counts every match (limit caps it)', async () => {
    const { get } = await rig();
    expect((await get('/__admin/requests/count')).json).toEqual({ count: 3 });
    expect((await get('/__admin/requests/count?status=4xx')).json).toEqual({ count: 2 });
    expect((await get('/__admin/requests/count?limit=1')).json).toEqual({ count: 1 });
  });
});

describe('GET /__admin/requests/{id} and /explain', () => {
  it('an entry, redacted', async () => {
    const { get } = await rig();
    const r = await get('/__admin/requests/1');
    expect(r.status).toBe(200);
    expect(r.json.request.body).toBe('{"username":"admin","password":"[REDACTED]"}');
    expect(r.json.response.body).toBe('{"access_token":"[REDACTED]"}');
    expect(r.text).not.toContain('eyJ');
    expect((await get('/__admin/requests/99')).json.error.code).toBe('not_found');
    expect((await get('/__admin/requests/abc')).status).toBe(404);
  });

  it('explain: the noted reason; 404 when there is none, or no entry', async () => {
    const { get } = await rig();
    const r = await get('/__admin/requests/2/explain');
    expect(r.json).toEqual({ kind: 'account_locked', summary: 'the account is locked until 2025-01-01T00:15:00.000Z', details: { locked_until: '2025-01-01T00:15:00.000Z' } });
    const none = await get('/__admin/requests/1/explain');
    expect([none.status, none.json.error.code]).toEqual([404, 'not_found']);
    expect(none.json.error.message).toMatch(/no decision to explain/);
    expect((await get('/__admin/requests/42/explain')).json.error.message).toMatch(/no request 42/);
  });
});

describe('DELETE /__admin/requests', () => {
  it('empties the journal (204); ids go on', async () => {
    const { admin, get, journal } = await rig();
    const r = await send(admin, 'DELETE', '/__admin/requests');
    expect([r.status, r.text]).toEqual([204, '']);
    expect((await get('/__admin/requests')).json).toEqual({ items: [] });
    await sendTo(wrap('fastapi', app, [journal.layer]), 'GET', '/200');
    expect((await get('/__admin/requests')).json.items.map((s: any) => s.id)).toEqual([4]);
  });
});
