// Snapshots through the admin API (spec §3, §4): create, list, get, bytes, restore, delete; in memory, at most 100;
// a restore is exact (what the dialects see comes back) on SQLite, and on PostgreSQL when a test database is given.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_LIMIT } from '../../src/admin/app.ts';
import { SYSTEM } from '../../src/core/index.ts';
import { makeRig, send, skipPostgres, T0, V1, v1Get, v1Login } from './support.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('snapshots', () => {
  it('create (201), list, get, delete (204); unknown ids 404', async () => {
    const rig = await makeRig();
    const a = await rig.admin('POST', '/__admin/snapshots', { json: { name: 'seeded' } });
    expect(a.status).toBe(201);
    expect(a.json).toEqual({ id: 'snap_1', name: 'seeded', tenant: 'default', created_at: iso(T0) });
    expect(a.headers.get('location')).toBe('/__admin/snapshots/snap_1');
    const b = await rig.admin('POST', '/__admin/snapshots');
    expect(b.json).toEqual({ id: 'snap_2', name: null, tenant: 'default', created_at: iso(T0) });
    expect((await rig.admin('GET', '/__admin/snapshots')).json).toEqual({ items: [a.json, b.json] });
    expect((await rig.admin('GET', '/__admin/snapshots/snap_1')).json).toEqual(a.json);
    const del = await rig.admin('DELETE', '/__admin/snapshots/snap_1');
    expect([del.status, del.text]).toEqual([204, '']);
    expect((await rig.admin('GET', '/__admin/snapshots')).json).toEqual({ items: [b.json] });
    for (const [method, path] of [
      ['GET', '/__admin/snapshots/snap_1'],
      ['DELETE', '/__admin/snapshots/snap_1'],
      ['POST', '/__admin/snapshots/snap_1/restore'],
      ['GET', '/__admin/snapshots/snap_1/bytes'],
    ] as const) {
      const r = await rig.admin(method, path);
      expect([r.status, r.json.error.code], `${method} ${path}`).toEqual([404, 'not_found']);
    }
    expect((await rig.admin('POST', '/__admin/snapshots', { json: { name: 5 } })).status).toBe(400);
  });

  it('keeps at most 100: the 101st is 503 limit_reached until one is deleted', async () => {
    const rig = await makeRig();
    for (let i = 0; i < SNAPSHOT_LIMIT; i++) expect((await rig.admin('POST', '/__admin/snapshots')).status).toBe(201);
    const over = await rig.admin('POST', '/__admin/snapshots');
    expect([over.status, over.json.error.code]).toEqual([503, 'limit_reached']);
    await rig.admin('DELETE', '/__admin/snapshots/snap_50');
    expect((await rig.admin('POST', '/__admin/snapshots')).status).toBe(201);
  });

  it('restore gives back what the snapshot held, answers as reset, and resets the clock unless kept', async () => {
    const rig = await makeRig();
    const token = await v1Login(rig); // a session inside the snapshot
    const snap = (await rig.admin('POST', '/__admin/snapshots', { json: { name: 'logged-in' } })).json;
    await rig.core.users.create({ username: 'later', email: 'later@example.com', password: 'Later12345' }, SYSTEM);
    await rig.core.users.delete(4, SYSTEM);
    await rig.admin('POST', '/__admin/clock/advance', { json: { by: 60_000 } });
    rig.wall.advance(10);
    const r = await rig.admin('POST', `/__admin/snapshots/${snap.id}/restore`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ tenant: 'default', fixtures: 'dev', users: 7, at: iso(T0 + 10) });
    expect(await rig.store.users.byUsername('later')).toBeUndefined();
    expect(await rig.store.users.byUsername('wangwu')).toBeDefined();
    expect((await v1Get(rig, '/users/1', token)).status).toBe(200); // the snapshot's session is back
    expect((await rig.admin('GET', '/__admin/clock')).json.offset_ms).toBe(0);
    await rig.admin('POST', '/__admin/clock/advance', { json: { by: 60_000 } });
    await rig.admin('POST', `/__admin/snapshots/${snap.id}/restore`, { json: { keep: ['clock'] } });
    expect((await rig.admin('GET', '/__admin/clock')).json.offset_ms).toBe(60_000);
    expect((await rig.admin('POST', `/__admin/snapshots/${snap.id}/restore`, { json: { keep: 'clock' } })).status).toBe(400);
  });

  it('bytes download as an SQLite file, and upload back as a snapshot; other bytes 400 invalid_snapshot', async () => {
    const rig = await makeRig();
    const snap = (await rig.admin('POST', '/__admin/snapshots')).json;
    const res = await rig.plane.app.request(`/__admin/snapshots/${snap.id}/bytes`);
    expect(res.headers.get('content-type')).toBe('application/vnd.sqlite3');
    const bytes = Buffer.from(await res.arrayBuffer());
    const db = new Database(bytes);
    expect((db.prepare('select count(*) as n from users').get() as { n: number }).n).toBe(7);
    db.close();
    await rig.core.users.create({ username: 'later', email: 'later@example.com', password: 'Later12345' }, SYSTEM);
    const up = await rig.plane.app.request('/__admin/snapshots?name=uploaded', { method: 'POST', headers: { 'content-type': 'application/vnd.sqlite3' }, body: bytes });
    expect(up.status).toBe(201);
    const uploaded = (await up.json()) as { id: string; name: string };
    expect(uploaded.name).toBe('uploaded');
    expect((await rig.admin('POST', `/__admin/snapshots/${uploaded.id}/restore`)).status).toBe(200);
    expect(await rig.store.users.byUsername('later')).toBeUndefined();

    const junk = await rig.plane.app.request('/__admin/snapshots', { method: 'POST', headers: { 'content-type': 'application/vnd.sqlite3' }, body: 'not a database' });
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as { error: { code: string } }).error.code).toBe('invalid_snapshot');
    // an SQLite file of another schema is accepted as bytes but refused at restore, changing nothing
    const other = new Database(':memory:');
    other.exec('create table t (x)');
    const foreign = other.serialize();
    other.close();
    const f = (await (await rig.plane.app.request('/__admin/snapshots', { method: 'POST', headers: { 'content-type': 'application/vnd.sqlite3' }, body: new Uint8Array(foreign) })).json()) as { id: string };
    const refused = await rig.admin('POST', `/__admin/snapshots/${f.id}/restore`);
    expect([refused.status, refused.json.error.code]).toEqual([400, 'invalid_snapshot']);
    expect((await rig.store.users.list({ page: 1, pageSize: 1 })).total).toBe(7);
  });

  describe.skipIf(skipPostgres)('on PostgreSQL', () => {
    it('snapshot → writes → restore through the API gives back the snapshot', async () => {
      const rig = await makeRig({ store: 'postgres' });
      const token = await v1Login(rig);
      const snap = (await rig.admin('POST', '/__admin/snapshots')).json;
      const before = await rig.store.admin.snapshot();
      await rig.core.users.create({ username: 'later', email: 'later@example.com', password: 'Later12345' }, SYSTEM);
      await send(rig.app('v1auth'), 'POST', `${V1}/logout`, { token });
      expect((await rig.admin('POST', `/__admin/snapshots/${snap.id}/restore`)).status).toBe(200);
      const rows = (b: Buffer) => {
        const s = JSON.parse(b.toString()) as { tables: [string, unknown[]][]; sequences: unknown[] };
        return { tables: s.tables.map(([t, r]) => [t, r.map((x) => JSON.stringify(x)).sort()]), sequences: s.sequences };
      };
      expect(rows(await rig.store.admin.snapshot())).toEqual(rows(before));
      expect((await v1Get(rig, '/users/1', token)).status).toBe(200);
      const bytes = await rig.plane.app.request(`/__admin/snapshots/${snap.id}/bytes`);
      expect(bytes.headers.get('content-type')).toBe('application/json');
      const upload = await rig.plane.app.request('/__admin/snapshots', { method: 'POST', headers: { 'content-type': 'application/vnd.sqlite3' }, body: 'x' });
      expect(upload.status).toBe(400);
    });
  });
});
