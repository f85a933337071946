import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { limitBody } from '../../src/http/body.ts';
import { reqHeader } from '../../src/http/headers.ts';
import type { Dialect, DialectEnv } from '../../src/http/dialect.ts';
import { mountEndpoints, type Misses, type Reply } from '../../src/http/pipeline.ts';
import { PAGES, REASONS } from './envelope.ts';
import { ERRORS } from './errors.ts';
import { authEndpoints } from './routes/auth.ts';
import { endpointsOf } from './stages.ts';
import { createTokens } from './tokens.ts';

const CORS_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

export function createApp({ core, config, key }: DialectEnv): Hono {
  const app = new Hono();
  const tokens = createTokens(key, core.clock, core.random);
  core.lifecycle.register('flask JWT memo', tokens.clear);

  /**
   * flask-cors defaults on every answer (and its preflight headers on an OPTIONS that asks for them); Werkzeug's
   * upper-case reason phrase on the status line.
   */
  function respond(c: Context, reply: Reply): Response {
    const origin = reqHeader(c, 'origin');
    const headers: Record<string, string> = { 'content-type': reply.contentType ?? 'text/html; charset=utf-8', ...reply.headers };
    if (origin === undefined) headers['access-control-allow-origin'] = '*';
    else {
      headers['access-control-allow-origin'] = origin;
      headers.vary = 'Origin';
    }
    if (c.req.method === 'OPTIONS' && reqHeader(c, 'access-control-request-method') !== undefined) {
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

  mountEndpoints(app, endpointsOf(core, tokens, authEndpoints(core, tokens, config.timeZone)), {
    name: 'flask',
    use: [limitBody((c) => respond(c, PAGES.tooLarge()))],
    errors: ERRORS,
    misses: MISSES,
    internalError: PAGES.internalError,
    respond,
  });
  return app;
}

/** Werkzeug's routing: the automatic OPTIONS answer and 405 (with Allow, OPTIONS added) on a known path, else 404. */
const allow = (methods: string[]) => [...methods, 'OPTIONS'].join(', ');
const MISSES: Misses = {
  options: (_c, methods) => ({ status: 200, body: '', contentType: 'text/html; charset=utf-8', headers: { allow: allow(methods) } }),
  methodNotAllowed: (c, methods) => {
    const page = PAGES.methodNotAllowed(allow(methods));
    return c.req.method === 'HEAD' ? { ...page, body: '' } : page;
  },
  notFound: PAGES.notFound,
};

export const flask: Dialect = { name: 'flask', defaultPort: 5000, createApp };
