import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const app = new Hono();
const body = JSON.stringify({ code: 200, msg: 'OK', data: null });
const H = {
  'content-type': 'application/json',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; connect-src 'self'",
};
app.get('/', () => new Response(body, { headers: { 'content-type': 'application/json' } }));
app.get('/h', () => new Response(body, { headers: { ...H, 'x-request-id': crypto.randomUUID() } }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 18002 });
