import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { limitBody } from '../../src/http/body.ts';
import { reqHeader } from '../../src/http/headers.ts';
import type { Dialect, DialectEnv } from '../../src/http/dialect.ts';
import { PAGES, REASONS, type Reply } from './envelope.ts';
import { authEndpoints } from './routes/auth.ts';
import { createTokens } from './tokens.ts';

const ALLOW = 'POST, OPTIONS';
const CORS_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

export function createApp({ core, config, key }: DialectEnv): Hono {
  const app = new Hono();
  const tokens = createTokens(key, core.clock, core.random);
  core.lifecycle.register('flask JWT memo', tokens.clear);
  const auth = authEndpoints(core, tokens, config.timeZone);

  /** flask-cors defaults on every answer; Werkzeug's upper-case reason phrase on the status line. */
  function respond(c: Context, reply: Reply, preflight = false): Response {
    const origin = reqHeader(c, 'origin');
    const headers: Record<string, string> = { 'content-type': reply.contentType, ...reply.headers };
    if (origin === undefined) headers['access-control-allow-origin'] = '*';
    else {
      headers['access-control-allow-origin'] = origin;
      headers.vary = 'Origin';
    }
    if (preflight) {
      const requested = reqHeader(c, 'access-control-request-headers');
      if (requested) {
        headers['access-control-allow-headers'] = requested
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean)
          .sort()
          .join(', ');
      }
      headers['access-control-allow-methods'] = CORS_METHODS;
    }
    const statusText = REASONS[reply.status] ?? '';
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing) outgoing.statusMessage = statusText;
    return new Response(c.req.method === 'HEAD' ? null : reply.body, { status: reply.status, statusText, headers });
  }

  app.use(limitBody((c) => respond(c, PAGES.tooLarge())));
  const routes = { login: auth.login, register: auth.register, refresh: auth.refresh };
  // The real mount is /api/auth; the seed prints the paths without /api, so both are served.
  for (const prefix of ['/api/auth', '/auth']) {
    for (const [name, handler] of Object.entries(routes)) {
      const path = `${prefix}/${name}`;
      app.post(path, async (c) => respond(c, await handler(c)));
      // Flask's automatic OPTIONS answer, which flask-cors turns into the preflight answer.
      app.options(path, (c) => respond(c, { status: 200, body: '', contentType: 'text/html; charset=utf-8', headers: { allow: ALLOW } }, reqHeader(c, 'access-control-request-method') !== undefined));
      app.all(path, (c) => respond(c, c.req.method === 'HEAD' ? { ...PAGES.methodNotAllowed(ALLOW), body: '' } : PAGES.methodNotAllowed(ALLOW)));
    }
  }
  app.notFound((c) => respond(c, PAGES.notFound(), c.req.method === 'OPTIONS' && reqHeader(c, 'access-control-request-method') !== undefined));
  app.onError((err, c) => {
    console.error(`flask: unhandled ${err.name}: ${err.message}`);
    return respond(c, PAGES.internalError());
  });
  return app;
}

export const flask: Dialect = { name: 'flask', defaultPort: 5000, createApp };
