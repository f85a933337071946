import { Hono, type Context } from 'hono';
import { limitBody } from '../../src/http/body.ts';
import type { Dialect, DialectEnv } from '../../src/http/dialect.ts';
import { mountEndpoints, type Misses, type Reply } from '../../src/http/pipeline.ts';
import { fail } from './envelope.ts';
import { ERRORS } from './errors.ts';
import { endpointsOf, inputOf, recordKeyUse } from './stages.ts';
import { keyEndpoints } from './routes/keys.ts';
import { roleEndpoints } from './routes/roles.ts';
import { sessionEndpoints } from './routes/session.ts';
import { userEndpoints } from './routes/users.ts';
import { createTokens } from './tokens.ts';
import { createViews } from './views.ts';

const respond = (_c: Context, r: Reply) => new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json; charset=utf-8' } });

/** A known path (templates included) asked with another method is 405, without an Allow header; anything else 404. */
const MISSES: Misses = {
  methodNotAllowed: () => fail(405, '请求方法不被允许'),
  notFound: () => fail(404, '未找到请求的资源'),
};

export function createApp({ core, key }: DialectEnv): Hono {
  const app = new Hono();
  const deps = { core, tokens: createTokens(key, core.clock, core.random) };
  core.lifecycle.register('v1auth JWT memo', deps.tokens.clear);
  const views = createViews(core);
  const declared = [...sessionEndpoints(deps, views), ...userEndpoints(deps, views), ...roleEndpoints(deps, views), ...keyEndpoints(deps, views)];
  const endpoints = endpointsOf(deps, limitBody((c) => respond(c, fail(413, '请求体过大'))), declared);
  mountEndpoints(app, endpoints, {
    name: 'v1auth',
    errors: ERRORS,
    misses: MISSES,
    internalError: () => fail(500, '服务器内部错误'),
    respond,
    input: inputOf,
    answered: recordKeyUse(deps),
  });
  return app;
}

export const v1auth: Dialect = { name: 'v1auth', defaultPort: 8080, createApp };
