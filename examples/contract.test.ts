// A contract test against dialectgate, to copy into your own project (npm install --save-dev dialectgate). It runs
// as it stands with vitest; jest and node --test need only their own imports. This repository runs it in `npm test`
// against the sources (vitest.config.ts maps 'dialectgate/testing' to src/testing/index.ts).
import { afterAll, beforeEach, expect, test } from 'vitest';
import { startGateway } from 'dialectgate/testing';

// One gateway for the file: every dialect on a free 127.0.0.1 port, SQLite in memory, fixtures/dev.json.
const gw = await startGateway();
afterAll(() => gw.close());
// Each test starts from the fixtures again, the virtual clock back at the wall.
beforeEach(() => gw.admin.reset());

const v1 = (path: string, body?: object, token = '') => fetch(`${gw.urls.v1auth}/api/v1/auth${path}`, {
  method: body ? 'POST' : 'GET', body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
const login = async (u: string, p: string) => (await (await v1('/login', { username: u, password: p })).json()).data?.token;

test('expiry and outbox', async () => {
  const old = await login('admin', 'password123');
  await gw.admin.clock.advance({ by: 'P1DT1S' }); // 24 h tokens
  expect((await v1('/users', undefined, old)).status).toBe(401);
  const { user } = await gw.admin.users.security('lisi');
  await v1(`/users/${user.id}/reset-password`, { send_email: true }, await login('admin', 'password123'));
  const mail = await gw.admin.outbox.wait({ to: 'lisi@example.com', kind: 'temporary_password', timeout_ms: 2000 });
  expect(await login('lisi', mail.secret!)).toBeTruthy();
});
