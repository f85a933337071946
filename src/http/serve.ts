import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Server } from 'node:http';

export interface Listener {
  name: string;
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves one app on one port; resolves once listening, rejects with a readable reason (port taken …). */
export function serveOnPort(name: string, app: Hono, hostname: string, port: number): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }) as Server;
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? `port ${port} is already in use` : err.message;
      reject(new Error(`${name}: cannot listen on ${hostname}:${port}: ${why}`));
    });
    server.once('listening', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const host = hostname.includes(':') ? `[${hostname}]` : hostname;
      resolve({
        name,
        port: actual,
        url: `http://${host}:${actual}`,
        server,
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
