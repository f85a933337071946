// An admin app with only the journal and fault routes, answering errors as src/admin/app.ts does.
import { Hono } from 'hono';
import { mountFaultRoutes } from '../../src/admin/fault-routes.ts';
import { AdminError, problem } from '../../src/admin/http.ts';
import { mountJournalRoutes } from '../../src/admin/journal-routes.ts';
import type { Faults } from '../../src/http/faults.ts';
import type { Journal } from '../../src/http/journal.ts';

export function routesApp(opts: { journal?: Journal; faults?: Faults }): Hono {
  const app = new Hono();
  if (opts.journal) mountJournalRoutes(app, () => opts.journal!);
  if (opts.faults) mountFaultRoutes(app, async () => opts.faults!); // a promise, as a tenant's first use gives
  app.onError((err) => (err instanceof AdminError ? problem(err.status, err.code, err.message) : problem(503, 'unavailable', err.message)));
  return app;
}
