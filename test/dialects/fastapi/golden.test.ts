import { describe, it } from 'vitest';
import { fastapiLogin } from '../../helpers/fastapi.ts';
import { expectGolden, fill, readGolden } from '../../helpers/golden.ts';
import { makeGateway, send, STORE_KINDS } from '../../helpers/harness.ts';

describe.each(STORE_KINDS)('fastapi golden cases (fixtures/golden/fastapi.json) on %s', (kind) => {
  for (const c of readGolden('fastapi')) {
    it(c.name, async () => {
      const gw = await makeGateway({ store: kind });
      const app = gw.app('fastapi');
      const vars = c.as ? await fastapiLogin(app, c.as) : {};
      const headers = Object.fromEntries(Object.entries(c.request.headers ?? {}).map(([k, v]) => [k, fill(v, vars)]));
      const body = c.request.body === undefined ? undefined : fill(c.request.body, vars);
      expectGolden(await send(app, c.request.method, c.request.path, { headers, body }), c.response);
    });
  }
});
