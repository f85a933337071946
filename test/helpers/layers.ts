// Sending to a fetch (a dialect app's, behind listener layers) the way harness.ts's send does to a Hono app, with the
// Content-Length a real client sends.
import type { Fetch } from '../../src/http/listener.ts';
import type { Sent } from './harness.ts';

export async function sendTo(
  fetch: Fetch,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Uint8Array; json?: unknown; token?: string } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { ...opts.headers };
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  // As a client over a socket sends it (a Request built in memory has none, and Hono's bodyLimit then rewraps it).
  if (body !== undefined) headers['content-length'] ??= String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  const res = await fetch(new Request(`http://localhost${path}`, { method, headers, body: body as BodyInit | undefined }));
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
