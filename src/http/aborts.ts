// A client that goes away mid-body is not a server error: it is counted here, not logged as unhandled.
import type { Context, ErrorHandler, Hono } from 'hono';
import type { IncomingMessage } from 'node:http';

const counts = new Map<string, number>();

/** Requests whose client went away (or was cut by a timeout) before its body arrived, by listener name. */
export function abortedRequests(): { total: number; byListener: Record<string, number> } {
  const byListener = Object.fromEntries(counts);
  return { total: [...counts.values()].reduce((a, b) => a + b, 0), byListener };
}

export function countAbort(listener: string): void {
  counts.set(listener, (counts.get(listener) ?? 0) + 1);
}

const ABORT_MESSAGES = new Set(['aborted', 'Client connection prematurely closed.']);

/**
 * True when `err` comes from reading a body the client never finished sending: Node's `Error: aborted`
 * (ECONNRESET) when the socket closed mid-body, whether the client left or a request timeout cut it.
 */
export function isClientAbort(err: unknown, c: Context): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.complete) return false;
  if (!(incoming.destroyed || incoming.socket?.destroyed)) return false;
  if (err === incoming.errored) return true;
  return err instanceof Error && ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || ABORT_MESSAGES.has(err.message));
}

/**
 * Puts an abort check in front of the app's own error handler (the dialects' handlers print `unhandled …`):
 * an abort is counted and answered 400 — to a socket that is already gone, so nobody reads it.
 */
export function countAbortsBeforeErrors(name: string, app: Hono): void {
  const own = (app as unknown as { errorHandler?: ErrorHandler }).errorHandler; // what app.onError() set
  if (typeof own !== 'function') return; // a Hono without the field: aborts stay logged (test/http/aborts.test.ts says so)
  app.onError((err, c) => {
    if (!isClientAbort(err, c)) return own(err, c);
    countAbort(name);
    return new Response(null, { status: 400 });
  });
}
