import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

/** The peer address of the socket; 'unknown' when the app is driven without a server (app.request in tests). */
export function clientIp(c: Context): string {
  const env = c.env as Partial<HttpBindings> | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
