import { describe, it } from 'vitest';
import { DEV_PASSWORDS } from '../../helpers/fastapi.ts';
import { expectGolden, fill, readGolden } from '../../helpers/golden.ts';
import { makeGateway, send, STORE_KINDS } from '../../helpers/harness.ts';
import { v1Login } from '../../helpers/v1auth.ts';

describe.each(STORE_KINDS)('v1auth golden cases (fixtures/golden/v1auth.json) on %s', (kind) => {
  for (const c of readGolden('v1auth')) {
    it(c.name, async () => {
      const gw = await makeGateway({ store: kind });
      const app = gw.app('v1auth');
      const vars: Record<string, string> = c.as ? { token: await v1Login(app, c.as, DEV_PASSWORDS[c.as]!) } : {};
      const headers = Object.fromEntries(Object.entries(c.request.headers ?? {}).map(([k, v]) => [k, fill(v, vars)]));
      const body = c.request.body === undefined ? undefined : fill(c.request.body, vars);
      expectGolden(await send(app, c.request.method, c.request.path, { headers, body }), c.response);
    });
  }
});
