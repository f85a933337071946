import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

/**
 * A request header, read from Node's parsed headers when served by the node server (cheap), or from the
 * Fetch Request otherwise (app.request in tests). Names are lower-case.
 */
export function reqHeader(c: Context, name: string): string | undefined {
  return headerOf(c.req.raw, c.env, name);
}

/** The same, before any app has a Context: from the Request and the env a listener's fetch receives. */
export function headerOf(request: Request, env: unknown, name: string): string | undefined {
  const incoming = (env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) {
    const v = incoming.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  return request.headers.get(name) ?? undefined;
}
