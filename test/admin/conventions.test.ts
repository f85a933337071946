// Spec §2 conventions on every endpoint of this slice: JSON with charset, the error shape, unknown fields and query
// parameters refused, instants and durations in both forms, the tenant header, and 404 for what is not here yet.
import { describe, expect, it } from 'vitest';
import { duration, instant } from '../../src/admin/http.ts';
import { makeRig, T0 } from './support.ts';

const errorOf = (r: { status: number; json: any }) => [r.status, r.json?.error?.code];

describe('control plane conventions', () => {
  it('health and version', async () => {
    const rig = await makeRig();
    const h = await rig.admin('GET', '/__admin/health');
    expect(h.status).toBe(200);
    expect(h.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(h.text).toBe('{"status":"ok","store":"ok"}');
    const v = await rig.admin('GET', '/__admin/version');
    expect(v.status).toBe(200);
    expect(v.json).toEqual({ version: '0.0.0-test', node: process.version, store: 'sqlite', started_at: new Date(T0).toISOString(), urls: { admin: 'http://127.0.0.1:8900' } });
  });

  it('health is 503 unavailable when the store does not answer', async () => {
    const rig = await makeRig();
    await rig.store.close();
    const h = await rig.admin('GET', '/__admin/health');
    expect(errorOf(h)).toEqual([503, 'unavailable']);
    expect(Object.keys(h.json.error)).toEqual(['code', 'message']);
  });

  it('unknown fields, unknown query parameters, non-JSON and non-object bodies are 400 invalid_request', async () => {
    const rig = await makeRig();
    const cases = [
      await rig.admin('POST', '/__admin/reset', { json: { fixture: 'dev' } }),
      await rig.admin('POST', '/__admin/clock/advance', { json: { by: 1, extra: true } }),
      await rig.admin('POST', '/__admin/snapshots', { json: { name: 'a', tenant: 'x' } }),
      await rig.admin('POST', '/__admin/outbox/wait', { json: { timeout: 5 } }),
      await rig.admin('POST', '/__admin/users/lisi/unlock', { json: { force: true } }),
      await rig.admin('GET', '/__admin/outbox?recipient=a'),
      await rig.admin('GET', '/__admin/clock?x=1'),
      await rig.admin('POST', '/__admin/reset', { body: '{not json', headers: { 'content-type': 'application/json' } }),
      await rig.admin('POST', '/__admin/reset', { json: [1] }),
      await rig.admin('POST', '/__admin/reset', { body: 'fixtures=dev', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ];
    for (const r of cases) {
      expect(errorOf(r)).toEqual([400, 'invalid_request']);
      expect(typeof r.json.error.message).toBe('string');
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
    expect(cases[0]!.json.error.message).toContain('"fixture"');
  });

  it('an empty body is {}', async () => {
    const rig = await makeRig();
    expect((await rig.admin('POST', '/__admin/clock/reset')).status).toBe(200);
    expect((await rig.admin('POST', '/__admin/clock/reset', { body: '' })).status).toBe(200);
  });

  it('unknown endpoints and the parts not in this slice are 404 not_found', async () => {
    const rig = await makeRig();
    for (const path of ['/__admin/requests/1', '/__admin/requests/1/explain', '/__admin/faults/nope', '/metrics', '/docs/fastapi', '/__admin/nothing', '/']) {
      const r = await rig.admin('GET', path);
      expect(errorOf(r), path).toEqual([404, 'not_found']);
    }
    expect((await rig.admin('GET', '/metrics')).json.error.message).toContain('not available in this version');
    expect(errorOf(await rig.admin('POST', '/__admin/clock/rewind', { json: {} }))).toEqual([404, 'not_found']);
    expect(errorOf(await rig.admin('PUT', '/__admin/reset'))).toEqual([404, 'not_found']);
  });

  it('X-Dialectgate-Tenant: default or absent; a bad id 400 invalid_tenant; another id scopes to that tenant', async () => {
    const rig = await makeRig();
    expect((await rig.admin('GET', '/__admin/clock', { headers: { 'x-dialectgate-tenant': 'default' } })).status).toBe(200);
    expect(errorOf(await rig.admin('GET', '/__admin/clock', { headers: { 'x-dialectgate-tenant': 'bad id!' } }))).toEqual([400, 'invalid_tenant']);
    expect(errorOf(await rig.admin('GET', '/__admin/clock', { headers: { 'x-dialectgate-tenant': 'x'.repeat(65) } }))).toEqual([400, 'invalid_tenant']);
    expect((await rig.admin('GET', '/__admin/outbox', { headers: { 'x-dialectgate-tenant': 'team-a' } })).json).toEqual({ items: [] });
    // health and version ignore it
    expect((await rig.admin('GET', '/__admin/health', { headers: { 'x-dialectgate-tenant': 'team-a' } })).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/version', { headers: { 'x-dialectgate-tenant': 'bad id!' } })).status).toBe(200);
  });

  it('instants: ISO with a zone or epoch ms; durations: ms or ISO 8601', () => {
    expect(instant('2025-01-01T00:00:00Z', 'x')).toBe(T0);
    expect(instant('2025-01-01T08:00:00.000+08:00', 'x')).toBe(T0);
    expect(instant(T0, 'x')).toBe(T0);
    expect(instant(String(T0), 'x')).toBe(T0);
    expect(() => instant('2025-01-01', 'x')).toThrow(/instant/);
    expect(() => instant('tomorrow', 'x')).toThrow(/instant/);
    expect(() => instant(1.5, 'x')).toThrow(/instant/);
    expect(duration('PT4H1S', 'by')).toBe(4 * 3_600_000 + 1000);
    expect(duration('P1DT1S', 'by')).toBe(86_401_000);
    expect(duration('P2W', 'by')).toBe(14 * 86_400_000);
    expect(duration('PT0.5S', 'by')).toBe(500);
    expect(duration('PT90M', 'by')).toBe(5_400_000);
    expect(duration(0, 'by')).toBe(0);
    expect(duration(1500, 'by')).toBe(1500);
    for (const bad of [-1, 'P', 'PT', 'P1Y', 'P1M', '1h', 'PT-1S', 1.5]) expect(() => duration(bad, 'by'), String(bad)).toThrow(/duration/);
  });
});
