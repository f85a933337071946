// Tenants over real ports (control-plane.md §4, issue 10 item 3): parallel test suites against one gateway, each with
// its own X-Dialectgate-Tenant, write the same usernames at once and never see each other's writes. On SQLite a
// tenant is a database in memory; on PostgreSQL a schema of its own, dropped when the tenant is deleted or the
// gateway closes (only the default store persists).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGateway, type Gateway } from '../../src/main.ts';
import { tenantSchema } from '../../src/store/open.ts';
import { FREE_PORTS } from './support/gateway.ts';
import { dropSchema, freshSchemaName, query } from './support/pg-schema.ts';

const url = process.env.DIALECTGATE_TEST_DATABASE_URL;
const dataRoot = mkdtempSync(join(tmpdir(), 'dialectgate-tenants-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

const post = async (to: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(to, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
};

async function suite(gw: Gateway, tenant: string, users: string[]) {
  const t = { 'x-dialectgate-tenant': tenant };
  const [fastapi, v1auth, flask] = ['fastapi', 'v1auth', 'flask'].map((n) => gw.listeners.find((l) => l.name === n)!.url);
  const login = await post(`${v1auth}/api/v1/auth/login`, { username: 'admin', password: 'password123' }, t);
  expect(login.status).toBe(200);
  const bearer = { ...t, authorization: `Bearer ${login.body.data.token}` };
  const made = await Promise.all(users.map((u) => post(`${v1auth}/api/v1/auth/users`, { username: u, email: `${u}@${tenant}.example`, password: 'Secret-pass-1', roles: [] }, bearer)));
  expect(made.map((r) => r.status)).toEqual(users.map(() => 200));
  // Through the other doors of the same tenant, the users exist with this tenant's e-mail …
  for (const u of users) {
    const f = await post(`${fastapi}/api/v1/base/access_token`, { username: u, password: 'Secret-pass-1' }, t);
    expect(f.status, `${tenant} ${u}`).toBe(200);
    const fl = await post(`${flask}/api/auth/login`, { username: u, password: 'Secret-pass-1' }, t);
    expect(fl.body.msg, `${tenant} ${u}`).toBe('登录成功');
  }
  return made.map((r) => r.body.data.email as string);
}

async function exercise(gw: Gateway) {
  const names = ['carol', 'dave', 'erin'];
  const emails = await Promise.all(['team-a', 'team-b'].map((t) => suite(gw, t, names)));
  expect(emails).toEqual([names.map((n) => `${n}@team-a.example`), names.map((n) => `${n}@team-b.example`)]);
  // … and the default store has none of them.
  const v1auth = gw.listeners.find((l) => l.name === 'v1auth')!.url;
  expect((await post(`${v1auth}/api/v1/auth/login`, { username: 'carol', password: 'Secret-pass-1' })).status).not.toBe(200);
  const admin = gw.admin!.listener.url;
  const list = await (await fetch(`${admin}/__admin/tenants`)).json();
  // Made at the same moment: the default first, then in the order their stores were ready.
  expect(list.items.map((x: { id: string }) => x.id).sort()).toEqual(['default', 'team-a', 'team-b']);
  expect(list.items[0].id).toBe('default');
}

describe('tenants on real ports', () => {
  it('SQLite: two tenants write the same usernames at once, isolated from each other and the default store', async () => {
    const gw = await startGateway(loadConfig(['--data-dir', join(dataRoot, 'sqlite'), ...FREE_PORTS, '--port-admin', '0', '--rate-limits', 'off'], {}));
    try {
      await exercise(gw);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it.skipIf(!url)('PostgreSQL: the same, each tenant in a schema of its own, dropped on delete and on close', async () => {
    const schema = freshSchemaName('dg_tenants');
    const schemas = async () =>
      (await query<{ n: string }>(url!, 'select nspname as n from pg_namespace where nspname like $1 order by 1', [`${schema}%`])).map((r) => r.n);
    const gw = await startGateway(loadConfig(['--database-url', url!, '--database-schema', schema, '--data-dir', join(dataRoot, 'pg'), ...FREE_PORTS, '--port-admin', '0', '--rate-limits', 'off'], {}));
    try {
      await exercise(gw);
      expect(await schemas()).toEqual([schema, tenantSchema(schema, 'team-a'), tenantSchema(schema, 'team-b')].sort());
      const r = await fetch(`${gw.admin!.listener.url}/__admin/tenants/team-a`, { method: 'DELETE' });
      expect(r.status).toBe(204);
      expect(await schemas()).toEqual([schema, tenantSchema(schema, 'team-b')].sort());
    } finally {
      await gw.close();
    }
    expect(await schemas()).toEqual([schema]);
    await dropSchema(url!, schema);
  }, 120_000);
});
