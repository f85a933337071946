import { describe, it } from 'vitest';
import { expectGolden, readGolden } from '../../helpers/golden.ts';
import { makeGateway, send } from '../../helpers/harness.ts';

describe('flask golden cases (fixtures/golden/flask.json)', () => {
  for (const c of readGolden('flask')) {
    it(c.name, async () => {
      const gw = await makeGateway();
      const r = await send(gw.app('flask'), c.request.method, c.request.path, { headers: c.request.headers, body: c.request.body });
      expectGolden(r, c.response);
    });
  }
});
