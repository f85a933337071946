// gw.tenant(id): the header it names, the URLs it shares, and that its fetch and admin client send the header (seen
// by a stub server, and by the real admin plane, which checks the id). Isolation between tenants is the admin
// plane's and is tested with it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../src/testing/index.ts';
import { tenantHandle } from '../../src/testing/tenant.ts';
import { startStub, type Stub } from './stub.ts';

let stub: Stub;
let gw: TestGateway<'v1auth'>;
beforeAll(async () => {
  [stub, gw] = await Promise.all([startStub(), startGateway({ dialects: ['v1auth'] })]);
});
afterAll(async () => {
  await Promise.all([stub.close(), gw.close()]);
});
beforeEach(() => {
  stub.seen = [];
  stub.answer = { status: 200, body: '{}' };
});

describe('gw.tenant(id)', () => {
  it('headers name the tenant; urls and the admin URL are the gateway’s', () => {
    const t = gw.tenant('team-a');
    expect(t.id).toBe('team-a');
    expect(t.headers).toEqual({ 'x-dialectgate-tenant': 'team-a' });
    expect(t.urls).toEqual(gw.urls);
    expect(t.admin.url).toBe(gw.urls.admin);
  });

  it('its admin client sends the header: the real plane checks the id (400 invalid_tenant), the default client sends none', async () => {
    await expect(gw.tenant('no spaces allowed').admin.reset()).rejects.toMatchObject({ status: 400, code: 'invalid_tenant' });
    await expect(gw.tenant('x'.repeat(65)).admin.outbox.list()).rejects.toMatchObject({ status: 400, code: 'invalid_tenant' });
    // health is never scoped: the same answer whatever the header
    expect(await gw.tenant('no spaces allowed').admin.health()).toEqual({ status: 'ok', store: 'ok' });
    expect(await gw.admin.outbox.list()).toEqual({ items: [] });
  });

  it('its admin client, as built for a tenant, against a stub: every request carries the header', async () => {
    const t = tenantHandle('team-b', {}, stub.url, 'k'.repeat(20), (c) => c);
    await t.admin.reset();
    await t.admin.clock.advance('PT1H');
    await t.admin.outbox.clear();
    expect(stub.seen.map((s) => s.headers['x-dialectgate-tenant'])).toEqual(['team-b', 'team-b', 'team-b']);
    expect(stub.seen.every((s) => s.headers.authorization === `Bearer ${'k'.repeat(20)}`)).toBe(true);
  });
});

describe('the tenant fetch', () => {
  it('adds the header, keeping the method, body and other headers (a Request’s too); a tenant header given is replaced', async () => {
    const f = gw.tenant('team-a').fetch;
    await f(`${stub.url}/a`);
    await f(new URL(`${stub.url}/b`), { method: 'POST', headers: { 'content-type': 'application/json', 'x-one': '1' }, body: '{"k":1}' });
    await f(new Request(`${stub.url}/c`, { headers: { 'x-two': '2' } }), { headers: [['x-three', '3']] });
    await f(`${stub.url}/d`, { headers: new Headers({ 'X-Dialectgate-Tenant': 'other' }) });
    const [a, b, c, d] = stub.seen;
    expect(stub.seen.map((s) => s.headers['x-dialectgate-tenant'])).toEqual(['team-a', 'team-a', 'team-a', 'team-a']);
    expect([a!.method, a!.url]).toEqual(['GET', '/a']);
    expect([b!.method, b!.url, b!.headers['content-type'], b!.headers['x-one'], b!.body.toString()]).toEqual(['POST', '/b', 'application/json', '1', '{"k":1}']);
    expect([c!.url, c!.headers['x-two'], c!.headers['x-three']]).toEqual(['/c', '2', '3']);
    expect(d!.url).toBe('/d');
  });

});
