// The journal and explain on the admin plane (control-plane.md §3): GET /__admin/requests (filters), /requests/count,
// /requests/{id}, /requests/{id}/explain, DELETE /__admin/requests. The tenant's journal comes from `journalOf`.
import type { Context, Hono } from 'hono';
import { DIALECT_NAMES } from '../config.ts';
import { InvalidFilterError, LIST_MAX, type Journal, type JournalFilter } from '../http/journal.ts';
import { AdminError, bad, instant, integer, json, noContent, readQuery } from './http.ts';

const FILTERS = ['dialect', 'method', 'path', 'status', 'user', 'since', 'after', 'limit'] as const;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/** The query's filter, each value checked (400 `invalid_request` with what was expected). */
function filterOf(c: Context): JournalFilter {
  const q = readQuery(c, FILTERS);
  const f: JournalFilter = {};
  if (q.dialect !== undefined) {
    if (!(DIALECT_NAMES as readonly string[]).includes(q.dialect)) throw bad(`dialect must be one of ${DIALECT_NAMES.join(', ')}`);
    f.dialect = q.dialect;
  }
  if (q.method !== undefined) {
    if (!METHOD.test(q.method)) throw bad('method must be an HTTP method such as GET');
    f.method = q.method.toUpperCase();
  }
  if (q.path !== undefined) f.path = q.path;
  if (q.status !== undefined) f.status = q.status;
  if (q.user !== undefined) f.user = q.user;
  if (q.since !== undefined) f.since = instant(q.since, 'since');
  if (q.after !== undefined) f.after = integer(q.after, 'after', 0, Number.MAX_SAFE_INTEGER);
  if (q.limit !== undefined) f.limit = integer(q.limit, 'limit', 1, LIST_MAX);
  return f;
}

/** Filter problems the journal finds (a malformed path pattern or status) are the caller's: 400. */
function checked<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof InvalidFilterError) throw bad(e.message);
    throw e;
  }
}

const idOf = (c: Context): number => {
  const raw = c.req.param('id') ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw new AdminError(404, 'not_found', `no request ${JSON.stringify(raw)} in the journal (ids are whole numbers)`);
  return Number(raw);
};

export function mountJournalRoutes(app: Hono, journalOf: (c: Context) => Journal | Promise<Journal>): void {
  app.get('/__admin/requests', async (c) => {
    const filter = filterOf(c);
    const journal = await journalOf(c);
    return json(200, { items: checked(() => journal.list(filter)) });
  });

  // Before /requests/:id, which would take "count" for an id. With `limit`, the count is that of the list.
  app.get('/__admin/requests/count', async (c) => {
    const { limit, ...filter } = filterOf(c);
    const journal = await journalOf(c);
    const n = checked(() => journal.count(filter));
    return json(200, { count: limit === undefined ? n : Math.min(n, limit) });
  });

  app.get('/__admin/requests/:id', async (c) => {
    readQuery(c, []);
    const id = idOf(c);
    const entry = (await journalOf(c)).get(id);
    if (!entry) throw new AdminError(404, 'not_found', `no request ${id} in the journal (the oldest go once it holds its limit)`);
    return json(200, entry);
  });

  app.get('/__admin/requests/:id/explain', async (c) => {
    readQuery(c, []);
    const id = idOf(c);
    const journal = await journalOf(c);
    const explanation = journal.explain(id);
    if (explanation) return json(200, explanation);
    if (!journal.get(id)) throw new AdminError(404, 'not_found', `no request ${id} in the journal (the oldest go once it holds its limit)`);
    throw new AdminError(404, 'not_found', `request ${id} was not refused by the core: there is no decision to explain`);
  });

  app.delete('/__admin/requests', async (c) => {
    readQuery(c, []);
    (await journalOf(c)).clear();
    return noContent();
  });
}
