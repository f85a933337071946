import { describe, expect, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { makeGateway, send } from '../../helpers/harness.ts';
import { curlCalls } from '../../helpers/seeds.ts';

// Each seed cURL example, sent verbatim (placeholder token and all), then with a real admin token
// in place of `<your-token>`. `[status, code]` is what the fastapi server answers to each.
const EXPECTED: Record<string, { verbatim: [number, number]; withToken?: [number, number] }> = {
  'POST /api/v1/base/access_token': { verbatim: [200, 200] },
  'POST /api/v1/base/refresh_token': { verbatim: [401, 401] },
  'GET /api/v1/base/userinfo': { verbatim: [401, 401] },
  'GET /api/v1/base/health': { verbatim: [200, 0] },
  'GET /api/v1/base/version': { verbatim: [200, 0] },
  'GET /api/v1/users/list': { verbatim: [401, 401], withToken: [200, 200] },
  'GET /api/v1/users/get': { verbatim: [401, 401], withToken: [422, 422] },
  'POST /api/v1/users/create': { verbatim: [401, 401], withToken: [400, 400] },
  'POST /api/v1/users/update': { verbatim: [401, 401], withToken: [200, 200] },
  'DELETE /api/v1/users/delete': { verbatim: [401, 401], withToken: [422, 422] },
  'POST /api/v1/users/reset_password': { verbatim: [401, 401], withToken: [422, 422] },
};

describe('fastapi seed examples replayed', () => {
  const calls = [...curlCalls('000_da7a380717717620.txt'), ...curlCalls('003_510b3a7dbee0c8a7.txt')];

  it('finds every documented route in the seeds', () => {
    expect(calls.map((c) => `${c.method} ${c.url.pathname}`).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(calls.every((c) => c.url.port === '8000')).toBe(true);
  });

  for (const call of calls) {
    const key = `${call.method} ${call.url.pathname}`;
    it(key, async () => {
      const gw = await makeGateway();
      const app = gw.app('fastapi');
      const path = call.url.pathname + call.url.search;
      const verbatim = await send(app, call.method, path, { headers: call.headers, body: call.body });
      const want = EXPECTED[key]!;
      expect([verbatim.status, verbatim.json?.code ?? 0]).toEqual(want.verbatim);
      if (want.withToken) {
        const { access } = await fastapiLogin(app, 'admin');
        const headers = { ...call.headers, authorization: call.headers.authorization!.replace('<your-token>', access) };
        const real = await send(app, call.method, path, { headers, body: call.body });
        expect([real.status, real.json.code]).toEqual(want.withToken);
      }
    });
  }
});
