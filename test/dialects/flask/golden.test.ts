import { describe, it } from 'vitest';
import { expectGolden, readGolden } from '../../helpers/golden.ts';
import { makeGateway, send, STORE_KINDS, type TestGateway } from '../../helpers/harness.ts';
import { REFRESH_TTL_S } from '../../../dialects/flask/tokens.ts';

/** The session a flask login would have started for the request's refresh token (without drawing randomness). */
async function startSessionOf(gw: TestGateway, authorization: string | undefined): Promise<void> {
  const payload = JSON.parse(Buffer.from(authorization!.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; jti: string };
  const user = (await gw.core.users.page({ page: 1, pageSize: 1000 })).items.find((i) => i.user.uuid === payload.sub)!.user;
  (await gw.core.sessions.start(user.id, 'flask', REFRESH_TTL_S * 1000, { sessionId: payload.jti, refreshJti: payload.jti }));
}

describe.each(STORE_KINDS)('flask golden cases (fixtures/golden/flask.json) on %s', (kind) => {
  for (const c of readGolden('flask')) {
    it(c.name, async () => {
      const gw = await makeGateway({ store: kind });
      if (c.session) await startSessionOf(gw, c.request.headers?.authorization);
      const r = await send(gw.app('flask'), c.request.method, c.request.path, { headers: c.request.headers, body: c.request.body });
      expectGolden(r, c.response);
    });
  }
});
