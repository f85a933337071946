// GET, POST, DELETE /__admin/faults and /faults/{id}, mounted as the lead does.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/ports.ts';
import { createFaults } from '../../src/http/faults.ts';
import { send } from '../helpers/harness.ts';
import { routesApp } from './routes-support.ts';

const rig = () => {
  const faults = createFaults({ random: seededRandom(3) });
  return { faults, admin: routesApp({ faults }) };
};

describe('/__admin/faults', () => {
  it('POST adds a rule (201, with its seed and a Location), GET lists them in order', async () => {
    const { admin } = rig();
    const r = await send(admin, 'POST', '/__admin/faults', { json: { id: 'slow', dialect: 'fastapi', path: '/api/v1/base/*', delay_ms: 20 } });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/__admin/faults/slow');
    expect(r.json).toEqual({ id: 'slow', dialect: 'fastapi', method: '*', path: '/api/v1/base/*', delay_ms: 20, status: null, body: '', reset: false, phase: 'before', probability: 1, seed: expect.any(Number), times: null });
    await send(admin, 'POST', '/__admin/faults', { json: { status: 503, seed: 1 } });
    const list = await send(admin, 'GET', '/__admin/faults');
    expect(list.json.items.map((x: any) => x.id)).toEqual(['slow', 'fault_1']);
    expect((await send(admin, 'GET', '/__admin/faults/slow')).json.id).toBe('slow');
  });

  it('400 invalid_request for unknown fields, bad types, non-objects; 409 for an id in use', async () => {
    const { admin } = rig();
    for (const [body, message] of [
      [JSON.stringify({ status: 503, delay: 1 }), /unknown field "delay"/],
      [JSON.stringify({ status: 'x' }), /status must be a whole number/],
      [JSON.stringify({ probability: 2, status: 500 }), /probability/],
      ['[1]', /JSON object/],
      ['{', /not JSON/],
      ['', /does nothing/],
    ] as const) {
      const r = await send(admin, 'POST', '/__admin/faults', { body });
      expect([r.status, r.json.error.code], body).toEqual([400, 'invalid_request']);
      expect(r.json.error.message).toMatch(message);
    }
    await send(admin, 'POST', '/__admin/faults', { json: { id: 'x', status: 500 } });
    const again = await send(admin, 'POST', '/__admin/faults', { json: { id: 'x', status: 502 } });
    expect([again.status, again.json.error.code]).toEqual([409, 'conflict']);
  });

  it('DELETE one (204; 404 unknown) and all (204)', async () => {
    const { admin, faults } = rig();
    faults.add({ id: 'a', status: 500 });
    faults.add({ id: 'b', status: 500 });
    expect((await send(admin, 'DELETE', '/__admin/faults/a')).status).toBe(204);
    const gone = await send(admin, 'DELETE', '/__admin/faults/a');
    expect([gone.status, gone.json.error.code]).toEqual([404, 'not_found']);
    expect((await send(admin, 'GET', '/__admin/faults/a')).status).toBe(404);
    expect((await send(admin, 'DELETE', '/__admin/faults')).status).toBe(204);
    expect(faults.list()).toEqual([]);
    expect((await send(admin, 'GET', '/__admin/faults?x=1')).json.error.message).toMatch(/unknown query parameter/);
  });
});
