import { serve } from '@hono/node-server';
import type { Server, ServerOptions } from 'node:http';
import type { Fetch } from './listener.ts';

export interface Listener {
  name: string;
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** How long a client may take over a request, and how long an idle keep-alive socket is kept. */
export interface ConnectionLimits {
  /** The request line and headers must have arrived within this (Node answers 408 and closes). */
  headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this (408 and close). */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };
/** An idle keep-alive socket is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A socket is closed (after answering) once it has carried this many requests. */
export const MAX_REQUESTS_PER_SOCKET = 1000;

/**
 * Node checks the header and request timeouts only every `connectionsCheckingInterval` (30 s by default),
 * so a timeout could be overrun by that much; checking every min(1 s, headers timeout / 2) keeps the overrun small.
 */
export const checkingIntervalMs = (limits: ConnectionLimits) =>
  Math.max(1, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 2)));

export function serverOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: checkingIntervalMs(limits),
  };
}

/** Serves one fetch on one port; resolves once listening, rejects with a readable reason (port taken …). */
export function serveOnPort(name: string, fetch: Fetch, hostname: string, port: number, limits: ConnectionLimits = DEFAULT_LIMITS): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port, serverOptions: serverOptions(limits) }) as Server;
    // Not a createServer option in Node 20; set on the server, read per request.
    server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
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
