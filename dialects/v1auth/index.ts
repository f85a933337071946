import { Hono, type Context } from 'hono';
import { limitBody } from '../../src/http/body.ts';
import type { Dialect, DialectEnv } from '../../src/http/dialect.ts';
import { fail, type Reply } from './envelope.ts';
import { knownPaths, mount } from './route.ts';
import { keyEndpoints } from './routes/keys.ts';
import { roleEndpoints } from './routes/roles.ts';
import { sessionEndpoints } from './routes/session.ts';
import { userEndpoints } from './routes/users.ts';
import { createTokens } from './tokens.ts';
import { createViews } from './views.ts';

const respond = (_c: Context, r: Reply) => new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json; charset=utf-8' } });

export function createApp({ core, key }: DialectEnv): Hono {
  const app = new Hono();
  const deps = { core, tokens: createTokens(key, core.clock, core.random) };
  core.lifecycle.register('v1auth JWT memo', deps.tokens.clear);
  const views = createViews(core);
  const endpoints = [...sessionEndpoints(deps, views), ...userEndpoints(deps, views), ...roleEndpoints(deps, views), ...keyEndpoints(deps, views)];

  mount(app, deps, endpoints, respond, limitBody((c) => respond(c, fail(413, '请求体过大'))));
  const paths = knownPaths(endpoints);
  app.notFound((c) => {
    const known = paths.some((p) => p.pattern.test(c.req.path));
    return respond(c, known ? fail(405, '请求方法不被允许') : fail(404, '未找到请求的资源'));
  });
  app.onError((err, c) => {
    console.error(`v1auth: unhandled ${err.name}: ${err.message}`);
    return respond(c, fail(500, '服务器内部错误'));
  });
  return app;
}

export const v1auth: Dialect = { name: 'v1auth', defaultPort: 8080, createApp };
