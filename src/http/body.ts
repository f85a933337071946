import type { Context } from 'hono';

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

/** The media type of the request without parameters, lower-cased ('' when absent). */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
