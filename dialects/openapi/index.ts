import { andThen } from '../../src/http/settle.ts';
import { stampOf } from '../../src/core/ports.ts';
import { Hono, type Context } from 'hono';
import { limitBody } from '../../src/http/body.ts';
import { reqHeader } from '../../src/http/headers.ts';
import type { Dialect, DialectEnv } from '../../src/http/dialect.ts';
import { gateway, languageOf, openapi, type Reply } from './envelope.ts';
import { authRoutes } from './routes/auth.ts';
import { createTokens } from './tokens.ts';

const OPENAPI = '/v1.0/openapi';
const UI = '/api/v1/auth';
const MAX_CORRELATION_ID = 200;

export function createApp({ core, key }: DialectEnv): Hono {
  const app = new Hono();
  const auth = authRoutes(core, createTokens(key, core.clock, core.random));

  /** Every answer carries X-Correlation-ID: the request's, or a new UUID v4. */
  function respond(c: Context, reply: Reply): Response {
    const incoming = reqHeader(c, 'x-correlation-id');
    const headers: Record<string, string> = {
      'content-type': reply.contentType,
      'x-correlation-id': incoming && incoming.length <= MAX_CORRELATION_ID ? incoming : core.random.uuid(),
      ...reply.headers,
    };
    return new Response(reply.body, { status: reply.status, headers });
  }
  const noRoute = (c: Context) => respond(c, openapi(1108, stampOf(core.clock)));
  // Over the limit: the route's own "parameters" failure, in its envelope, read before any parsing.
  const tooLarge = limitBody((c) =>
    respond(c, c.req.path.startsWith(OPENAPI) ? openapi(1104, stampOf(core.clock)) : gateway(10003, languageOf(reqHeader(c, 'accept-language')))),
  );

  const routes: [string, string, (c: Context) => Reply | Promise<Reply>][] = [
    ['POST', `${OPENAPI}/auth/login`, auth.login],
    ['POST', `${OPENAPI}/token/:refreshToken`, auth.refresh],
    ['GET', `${UI}/initInfo`, auth.initInfo],
    ['POST', `${UI}/init-password`, auth.initPassword],
    ['POST', `${UI}/login`, auth.uiLogin],
    [
      'PUT',
      `${UI}/password`,
      (c) => andThen(auth.principal(c), (who) => (who ? auth.changePassword(c, who.user, who.sessionId) : gateway(10006, languageOf(reqHeader(c, 'accept-language'))))),
    ],
  ];
  const known = new Set<string>();
  for (const [method, path, handler] of routes) {
    known.add(`${method} ${path}`);
    app.on(method, path, tooLarge, async (c) => respond(c, await handler(c)));
  }

  // gin: no 405; a wrong method is an unknown route (1108), checked before any token. A trailing slash on a known
  // route redirects (301 for GET, 307 otherwise); product, device and thing-model routes have no upstream here.
  app.notFound((c) => {
    const bare = c.req.path.replace(/\/+$/, '');
    if (bare !== c.req.path && known.has(`${c.req.method} ${bare}`)) {
      return new Response(null, { status: c.req.method === 'GET' ? 301 : 307, headers: { location: bare + new URL(c.req.url).search } });
    }
    return noRoute(c);
  });
  app.onError((err, c) => {
    console.error(`openapi: unhandled ${err.name}: ${err.message}`);
    return respond(c, openapi(500, stampOf(core.clock)));
  });
  return app;
}

export const openapiDialect: Dialect = { name: 'openapi', defaultPort: 58081, createApp };
