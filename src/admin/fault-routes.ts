// Fault rules on the admin plane (control-plane.md §3, §4): GET and POST /__admin/faults, GET and DELETE
// /__admin/faults/{id}, DELETE /__admin/faults. The tenant's rules come from `faultsOf`.
import type { Context, Hono } from 'hono';
import { FaultRuleError, RULE_FIELDS, type Faults } from '../http/faults.ts';
import { AdminError, bad, json, noContent, readBody, readQuery } from './http.ts';

const ruleOf = (faults: Faults, id: string) => {
  const rule = faults.list().find((r) => r.id === id);
  if (!rule) throw new AdminError(404, 'not_found', `no fault rule ${JSON.stringify(id)}`);
  return rule;
};

export function mountFaultRoutes(app: Hono, faultsOf: (c: Context) => Faults | Promise<Faults>): void {
  app.get('/__admin/faults', async (c) => {
    readQuery(c, []);
    return json(200, { items: (await faultsOf(c)).list() });
  });

  app.post('/__admin/faults', async (c) => {
    readQuery(c, []);
    const body = await readBody(c, RULE_FIELDS);
    const faults = await faultsOf(c);
    try {
      const rule = faults.add(body);
      return json(201, rule, { location: `/__admin/faults/${encodeURIComponent(rule.id)}` });
    } catch (e) {
      if (e instanceof FaultRuleError) throw e.code === 'conflict' ? new AdminError(409, 'conflict', e.message) : bad(e.message);
      throw e;
    }
  });

  app.get('/__admin/faults/:id', async (c) => {
    readQuery(c, []);
    return json(200, ruleOf(await faultsOf(c), c.req.param('id')));
  });

  app.delete('/__admin/faults', async (c) => {
    readQuery(c, []);
    (await faultsOf(c)).clear();
    return noContent();
  });

  app.delete('/__admin/faults/:id', async (c) => {
    readQuery(c, []);
    const id = c.req.param('id');
    if (!(await faultsOf(c)).remove(id)) throw new AdminError(404, 'not_found', `no fault rule ${JSON.stringify(id)}`);
    return noContent();
  });
}
