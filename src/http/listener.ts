// The chain each dialect port serves through (architecture.md: tenant → journal → faults → serve): a layer wraps the
// next fetch. The dialects avoid global Hono middleware to stay synchronous, so these are fetch decorators instead,
// and each one, when it has nothing to do, returns what the next one returned: no promise added, no Request clone.

/** What a listener serves (a Hono app's fetch, or layers around one); `env` is @hono/node-server's `{incoming, outgoing}`. */
export type Fetch = (request: Request, env?: any, ctx?: any) => Response | Promise<Response>;

/** A decorator of one dialect's fetch; `dialect` is the port's dialect name. */
export type Layer = (dialect: string, next: Fetch) => Fetch;

/** `fetch` behind `layers`, the first one outermost (it sees the request first and the response last). */
export function wrap(dialect: string, fetch: Fetch, layers: readonly Layer[]): Fetch {
  let next = fetch;
  for (let i = layers.length - 1; i >= 0; i--) next = layers[i]!(dialect, next);
  return next;
}

/**
 * The path of a request URL as sent (no query, not decoded), without building a URL object: the hot path of a
 * pass-through layer that matches routes.
 */
export function pathOf(url: string): string {
  const scheme = url.indexOf('://');
  const start = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  const q = url.indexOf('?', start);
  if (q !== -1) end = q;
  const h = url.indexOf('#', start);
  if (h !== -1 && h < end) end = h;
  return url.slice(start, end);
}

/** The query string of a request URL without the `?` ('' when none). */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return '';
  const h = url.indexOf('#', q);
  return url.slice(q + 1, h === -1 ? url.length : h);
}
