// Sending to a fetch (a dialect app's, behind listener layers) the way harness.ts's send does to a Hono app, with the
// Content-Length a real client sends.
import type { Fetch } from '../../src/http/listener.ts';
import { requestParts, sentOf, type SendOptions, type Sent } from './harness.ts';

export async function sendTo(fetch: Fetch, method: string, path: string, opts: SendOptions<string | Uint8Array> = {}): Promise<Sent> {
  const { headers, body } = requestParts(opts);
  // As a client over a socket sends it (a Request built in memory has none, and Hono's bodyLimit then rewraps it).
  if (body !== undefined) headers['content-length'] ??= String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  return sentOf(await fetch(new Request(`http://localhost${path}`, { method, headers, body: body as BodyInit | undefined })));
}
