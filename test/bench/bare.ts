// The ceiling for this stack: a bare Hono app answering constant JSON on a free port.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const app = new Hono();
const body = JSON.stringify({ code: 200, msg: 'OK', data: null });
app.get('/', () => new Response(body, { headers: { 'content-type': 'application/json' } }));
// The same, with the response headers the fastapi dialect must send (the legacy security headers and X-Request-ID):
// the ceiling for that dialect.
const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; connect-src 'self'";
app.get('/legacy-headers', () =>
  new Response(body, {
    headers: {
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'x-xss-protection': '1; mode=block',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'content-security-policy': CSP,
      'x-request-id': crypto.randomUUID(),
    },
  }),
);
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  console.log(`bare http://127.0.0.1:${info.port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
