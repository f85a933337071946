// @hono/node-server answers with a lightweight Response that keeps `[status, body, headers]` under a private symbol
// (described "cache") until something asks for its body as a stream; while it does, the server writes it in one go,
// and a fetch that returns it synchronously skips a promise too. The journal reads a string or byte body from there
// instead of building the Web Response (which costs a third of an authenticated read), and hands the very same
// object on. Anything else (an undici Response in tests, a stream, a newer server without the symbol) is undefined,
// and the journal reads a stream instead: slower, never wrong.

export interface PeekedResponse {
  status: number;
  body: string | Uint8Array | null;
  /** As given to the constructor: a Headers, a record or pairs; undefined: the server's defaults. */
  headers: HeadersInit | undefined;
}

let key: symbol | undefined;

const cacheKeyOf = (response: object): symbol | undefined =>
  (key ??= Object.getOwnPropertySymbols(response).find((s) => s.description === 'cache')) && key in response ? key : undefined;

/** The status, body and headers a lightweight Response holds, without touching its body; undefined otherwise. */
export function peekResponse(response: Response): PeekedResponse | undefined {
  const k = cacheKeyOf(response);
  if (!k) return undefined;
  const cache = (response as unknown as Record<symbol, unknown>)[k];
  if (!Array.isArray(cache) || typeof cache[0] !== 'number') return undefined;
  const body: unknown = cache[1];
  if (!(body === null || typeof body === 'string' || body instanceof Uint8Array)) return undefined;
  return { status: cache[0], body, headers: cache[2] as HeadersInit | undefined };
}

/** The server's Content-Type for a body given without headers. */
export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=UTF-8';
