// The ceiling for this stack: a bare Hono app answering constant JSON on a free port.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const app = new Hono();
const body = JSON.stringify({ code: 200, msg: 'OK', data: null });
app.get('/', () => new Response(body, { headers: { 'content-type': 'application/json' } }));
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  console.log(`bare http://127.0.0.1:${info.port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
