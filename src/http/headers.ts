import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

/**
 * A request header, read from Node's parsed headers when served by the node server (cheap), or from the
 * Fetch Request otherwise (app.request in tests). Names are lower-case.
 */
export function reqHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) {
    const v = incoming.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  return c.req.header(name);
}
