import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { reqHeader } from './headers.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export type JsonBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'empty' }
  | { kind: 'malformed' };

/** Reads and parses the body once; Hono caches the text, so later reads are free. */
export async function readJsonBody(c: Context): Promise<JsonBody> {
  const text = await c.req.text();
  if (text.length === 0) return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'malformed' };
  }
}

/** `application/json` or `application/*+json` (what Flask and FastAPI both treat as JSON). */
export const isJsonMediaType = (m: string) => m === 'application/json' || (m.startsWith('application/') && m.endsWith('+json'));

/** The media type of the request without parameters, lower-cased ('' when absent). */
export function mediaType(c: Context): string {
  return (reqHeader(c, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Refuses bodies over MAX_BODY_BYTES (by Content-Length, or while streaming) with the dialect's answer.
 * Bodiless requests skip it: touching `c.req.raw.body` makes the node server build a full
 * Request object, which costs more than the rest of an authenticated read.
 */
const BODILESS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function limitBody(onTooLarge: (c: Context) => Response): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: onTooLarge });
  return (c, next) => {
    const length = reqHeader(c, 'content-length');
    const chunked = reqHeader(c, 'transfer-encoding') !== undefined;
    // Node's parser never delivers more than a Content-Length announces, so a declared length decides alone,
    // and over HTTP/1.1 a request with neither header has no body. Only a streamed body is counted on the way in.
    if (!chunked && length !== undefined) return Number(length) > MAX_BODY_BYTES ? Promise.resolve(onTooLarge(c)) : next();
    if (!chunked && (servedByNode(c) || BODILESS.has(c.req.method))) return next();
    // Hono's limit swaps c.req.raw for a Request over the buffered body; the one the app was given is kept (on the
    // context under a symbol: a WeakMap keyed by contexts cost ~3 µs of GC per request).
    (c as Kept)[RECEIVED] = c.req.raw;
    return limit(c, next);
  };
}

const RECEIVED = Symbol('dialectgate.received');
type Kept = Context & { [RECEIVED]?: Request };

/**
 * The Request the app was given for this context, whichever the body limit left in `c.req.raw` (the listener's
 * journal and decisions.ts's notes are keyed by the former).
 */
export const requestOf = (c: Context): Request => (c as Kept)[RECEIVED] ?? c.req.raw;

const servedByNode = (c: Context) => (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;

/**
 * Renders a value once per object: the core hands out the same object until the store changes,
 * so the rendered text stays exact for as long as the object is reused, and is dropped with it.
 */
export function renderOnce<T extends object>(render: (value: T) => string): (value: T) => string {
  const memo = new WeakMap<T, string>();
  return (value) => {
    let text = memo.get(value);
    if (text === undefined) memo.set(value, (text = render(value)));
    return text;
  };
}
