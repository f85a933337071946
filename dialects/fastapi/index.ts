import { Hono } from 'hono';
import { limitBody } from '../../src/http/body.ts';
import { createRateLimiter } from '../../src/http/rate-limit.ts';
import type { Dialect, DialectEnv } from '../../src/http/dialect.ts';
import { starletteCors } from './cors.ts';
import { fail, internalError, notFound } from './envelope.ts';
import { mount } from './route.ts';
import { baseEndpoints } from './routes/base.ts';
import { userEndpoints } from './routes/users.ts';
import { createTokens } from './tokens.ts';

// SecurityHeadersMiddleware of the legacy app (HSTS only over https, which this server does not terminate).
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; connect-src 'self'",
};
const MAX_REQUEST_ID = 200;

export function createApp({ core, config, key }: DialectEnv): Hono {
  const app = new Hono();
  const tokens = createTokens(key, core.clock);
  const deps = { core, tokens };
  const limits = config.rateLimits
    ? {
        login: createRateLimiter({ limit: 5, windowMs: 60_000, clock: core.clock }),
        refresh: createRateLimiter({ limit: 10, windowMs: 60_000, clock: core.clock }),
      }
    : {};

  // Outermost first, as the legacy middleware list: CORS, then security headers and X-Request-ID.
  app.use(starletteCors(config.corsOrigins));
  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && incoming.length <= MAX_REQUEST_ID ? incoming : core.random.uuid();
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
    c.res.headers.set('x-request-id', requestId);
  });
  app.use(limitBody(() => fail(413, '请求体过大')));

  const endpoints = [...baseEndpoints(deps, config, limits), ...userEndpoints(core, config)];
  mount(app, deps, endpoints);
  const known = new Set(endpoints.map((e) => e.path));

  app.notFound((c) => {
    // Starlette's redirect_slashes: a known path with a trailing slash answers 307 to the bare path.
    const bare = c.req.path.replace(/\/+$/, '');
    if (bare !== c.req.path && known.has(bare)) {
      const url = new URL(c.req.url);
      url.pathname = bare;
      return new Response(null, { status: 307, headers: { location: url.toString() } });
    }
    return notFound();
  });
  app.onError((err) => {
    console.error(`fastapi: unhandled ${err.name}: ${err.message}`);
    return internalError();
  });
  return app;
}

export const fastapi: Dialect = { name: 'fastapi', defaultPort: 8000, createApp };
