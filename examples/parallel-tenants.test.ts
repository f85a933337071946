// Parallel suites against one gateway: each takes a tenant of its own (X-Dialectgate-Tenant), so the same usernames
// can be written at the same moment without one suite seeing another's users, mails, clock or lockouts.
import { afterAll, describe, expect, test } from 'vitest';
import { startGateway } from 'dialectgate/testing';

const gw = await startGateway({ dialects: ['fastapi', 'v1auth'] });
afterAll(() => gw.close());

async function signUp(team: string, username: string) {
  const t = gw.tenant(team);
  const post = (path: string, body: object, token = '') =>
    t.fetch(`${t.urls.v1auth}/api/v1/auth${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
  const admin = (await (await post('/login', { username: 'admin', password: 'password123' })).json()).data.token;
  const made = await post('/users', { username, email: `${username}@${team}.example`, password: 'Secret-pass-1', roles: [] }, admin);
  return (await made.json()).data.email as string;
}

describe.concurrent('two teams at once', () => {
  test.each(['team-a', 'team-b'])('%s creates carol and logs her in through fastapi', async (team) => {
    expect(await signUp(team, 'carol')).toBe(`carol@${team}.example`);
    const t = gw.tenant(team);
    const login = await t.fetch(`${t.urls.fastapi}/api/v1/base/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'carol', password: 'Secret-pass-1' }),
    });
    expect(login.status).toBe(200);
    // Each team's journal holds its own requests only.
    const seen = await t.admin.requests.list();
    expect(seen.items.map((r) => r.dialect)).toEqual(['v1auth', 'v1auth', 'fastapi']);
  });
});

test('the default store never saw carol', async () => {
  const r = await fetch(`${gw.urls.fastapi}/api/v1/base/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'carol', password: 'Secret-pass-1' }),
  });
  expect(r.status).toBe(400);
  expect((await gw.admin.tenants.list()).items.map((t) => t.id).sort()).toEqual(['default', 'team-a', 'team-b']);
});
