// What a dialect answers to a request no endpoint takes, derived from the endpoint table: the methods served per
// path decide between 405 (or Werkzeug's automatic OPTIONS) and 404, and a trailing slash may redirect.
import type { Context } from 'hono';
import type { Reply } from './pipeline.ts';

/** The methods served per path, for the answers to requests no endpoint takes. */
export interface RouteTable {
  /** The methods of the endpoints whose path matches `path` (templates included), or undefined for an unknown path. */
  methodsAt(path: string): string[] | undefined;
}

export function routeTable(endpoints: readonly { method: string; path: string }[]): RouteTable {
  const byPath = new Map<string, string[]>();
  for (const ep of endpoints) byPath.set(ep.path, [...(byPath.get(ep.path) ?? []), ep.method]);
  const exact = new Map([...byPath].filter(([path]) => !path.includes(':')));
  const templates = [...byPath]
    .filter(([path]) => path.includes(':'))
    .map(([path, methods]) => ({ pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/:[^/]+/g, '[^/]+')}$`), methods }));
  return { methodsAt: (path) => exact.get(path) ?? templates.find((t) => t.pattern.test(path))?.methods };
}

/** How a dialect answers requests no endpoint takes; each hook is optional but `notFound`. */
export interface Misses {
  /** OPTIONS on a known path (Werkzeug's automatic answer). */
  options?(c: Context, methods: string[]): Reply;
  /** A known path asked with a method it does not serve (absent: answered as an unknown path, gin's way). */
  methodNotAllowed?(c: Context, methods: string[]): Reply;
  /**
   * A path that is known once its trailing slashes are dropped (`bare`); undefined: not redirected. A Response is
   * sent as it is, without the dialect's transport headers (gin redirects before any middleware runs).
   */
  trailingSlash?(c: Context, bare: string, methods: string[]): Reply | Response | undefined;
  notFound(c: Context): Reply;
}

export function answerMiss(c: Context, table: RouteTable, misses: Misses): Reply | Response {
  const path = c.req.path;
  const methods = table.methodsAt(path);
  if (methods) {
    if (misses.options && c.req.method === 'OPTIONS') return misses.options(c, methods);
    if (misses.methodNotAllowed) return misses.methodNotAllowed(c, methods);
  }
  if (misses.trailingSlash) {
    const bare = path.replace(/\/+$/, '');
    const known = bare !== path ? table.methodsAt(bare) : undefined;
    const redirect = known && misses.trailingSlash(c, bare, known);
    if (redirect) return redirect;
  }
  return misses.notFound(c);
}
