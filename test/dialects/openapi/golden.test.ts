import { describe, expect, it } from 'vitest';
import { expectGolden, readGolden } from '../../helpers/golden.ts';
import { makeGateway, send, STORE_KINDS } from '../../helpers/harness.ts';

describe.each(STORE_KINDS)('openapi golden cases (fixtures/golden/openapi.json) on %s', (kind) => {
  for (const c of readGolden('openapi')) {
    it(c.name, async () => {
      const gw = await makeGateway({ store: kind });
      const r = await send(gw.app('openapi'), c.request.method, c.request.path, { headers: c.request.headers, body: c.request.body });
      expectGolden(r, c.response);
      expect(r.headers.get('x-correlation-id') ?? '').toMatch(r.status === 200 ? /^[0-9a-f-]{36}$/ : /^$/);
    });
  }

  it('echoes the X-Correlation-ID it was given', async () => {
    const gw = await makeGateway({ store: kind });
    const r = await send(gw.app('openapi'), 'GET', '/nope', { headers: { 'x-correlation-id': 'trace-42' } });
    expect(r.headers.get('x-correlation-id')).toBe('trace-42');
  });
});
