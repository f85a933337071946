// The journal over the four real dialects, layered as the listener chain does (journal → faults → dialect): every
// request recorded with its user, secrets redacted in requests and responses (passwords, tokens a login returns,
// Authorization, x-token, X-API-Key, ak_ keys), and explain giving the core's real reason for a refusal.
import { beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/ports.ts';
import { createFaults } from '../../src/http/faults.ts';
import { createJournal, type Journal } from '../../src/http/journal.ts';
import { wrap, type Fetch } from '../../src/http/listener.ts';
import type { DialectName } from '../../src/config.ts';
import { makeGateway, type TestGateway } from '../helpers/harness.ts';
import { sendTo } from '../helpers/layers.ts';

let gw: TestGateway;
let journal: Journal;
let door: (name: DialectName) => Fetch;
beforeEach(async () => {
  gw = await makeGateway();
  journal = createJournal({ now: () => gw.clock.now() });
  const faults = createFaults({ random: seededRandom(1) });
  door = (name) => wrap(name, gw.app(name).fetch, [journal.layer, faults.layer]);
});

/** Every entry as the plane would show it, in one string. */
const everything = () => JSON.stringify(journal.list({ limit: 1000 }).map((s) => journal.get(s.id)));

describe('journal over every dialect', () => {
  it('records each door with its user, and never shows a password, a token or a key', async () => {
    const secrets: string[] = ['password123', 'Zhougezuishuai22'];
    // fastapi: login (password in, two tokens out), then userinfo with the access token
    const fa = await sendTo(door('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username: 'admin', password: 'password123' } });
    expect(fa.status).toBe(200);
    secrets.push(fa.json.data.access_token, fa.json.data.refresh_token);
    expect((await sendTo(door('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fa.json.data.access_token })).status).toBe(200);
    // flask: login, then refresh with the refresh token
    const fl = await sendTo(door('flask'), 'POST', '/api/auth/login', { json: { username: 'licheng.zhou9', password: 'Zhougezuishuai22' } });
    expect(fl.json.data.access_token).toBeTruthy();
    secrets.push(fl.json.data.access_token, fl.json.data.refresh_token);
    const refreshed = await sendTo(door('flask'), 'POST', '/api/auth/refresh', { token: fl.json.data.refresh_token });
    secrets.push(refreshed.json.data.access_token);
    // v1auth: login, an API key made (shown once, in the response), then used by X-API-Key
    const v1 = await sendTo(door('v1auth'), 'POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'password123' } });
    secrets.push(v1.json.data.token);
    const key = await sendTo(door('v1auth'), 'POST', '/api/v1/auth/api-keys', { token: v1.json.data.token, json: { name: 'ci', permissions: ['read', 'admin'] } });
    expect(key.json.data.key).toMatch(/^ak_/);
    secrets.push(key.json.data.key);
    expect((await sendTo(door('v1auth'), 'GET', '/api/v1/auth/users?page=1', { headers: { 'x-api-key': key.json.data.key } })).status).toBe(200);
    // openapi: login, then the x-token route with a password change body
    const op = await sendTo(door('openapi'), 'POST', '/v1.0/openapi/auth/login', { json: { username: 'admin', password: 'password123' } });
    secrets.push(op.json.result.access_token);
    await sendTo(door('openapi'), 'PUT', '/api/v1/auth/password', { headers: { 'x-token': op.json.result.access_token }, json: { currentPassword: 'password123', newPassword: 'n3w-Secret!' } });
    secrets.push('n3w-Secret!');

    const summaries = journal.list();
    expect(summaries.map((s) => [s.dialect, s.method, s.path, s.status])).toEqual([
      ['fastapi', 'POST', '/api/v1/base/access_token', 200],
      ['fastapi', 'GET', '/api/v1/base/userinfo', 200],
      ['flask', 'POST', '/api/auth/login', 200],
      ['flask', 'POST', '/api/auth/refresh', 200],
      ['v1auth', 'POST', '/api/v1/auth/login', 200],
      ['v1auth', 'POST', '/api/v1/auth/api-keys', 200],
      ['v1auth', 'GET', '/api/v1/auth/users', 200],
      ['openapi', 'POST', '/v1.0/openapi/auth/login', 200],
      ['openapi', 'PUT', '/api/v1/auth/password', 200],
    ]);
    const all = everything();
    for (const secret of secrets) expect(all, `${secret.slice(0, 12)}… is in the journal`).not.toContain(secret);
    expect(all).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    expect(all).not.toMatch(/ak_[0-9a-f]{8}/);

    const login = journal.get(1)!;
    expect(login.request.body).toBe('{"username":"admin","password":"[REDACTED]"}');
    expect(login.response.body).toContain('"access_token":"[REDACTED]"');
    expect(login.response.body).toContain('"refresh_token":"[REDACTED]"');
    expect(journal.get(2)!.request.headers.authorization).toBe('Bearer [REDACTED]');
    expect(journal.get(6)!.response.body).toContain('"key":"[REDACTED]"');
    expect(journal.get(7)!.request.headers['x-api-key']).toBe('[REDACTED]');
    expect(journal.get(9)!.request.headers['x-token']).toBe('[REDACTED]');
    expect(journal.get(9)!.request.body).toBe('{"currentPassword":"[REDACTED]","newPassword":"[REDACTED]"}');
  });

  it('the user: a login names its user, a token request its owner', async () => {
    const fa = await sendTo(door('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username: 'admin', password: 'password123' } });
    await sendTo(door('fastapi'), 'GET', '/api/v1/base/userinfo', { token: fa.json.data.access_token });
    await sendTo(door('fastapi'), 'GET', '/api/v1/base/userinfo');
    expect(journal.list().map((s) => s.user)).toEqual(['admin', 'admin', null]);
    expect(journal.list({ user: 'admin' })).toHaveLength(2);
  });

  it('filters over real traffic: status class and path patterns', async () => {
    await sendTo(door('v1auth'), 'GET', '/api/v1/auth/users/1'); // no credentials: 401
    await sendTo(door('v1auth'), 'POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'password123' } });
    await sendTo(door('fastapi'), 'GET', '/api/v1/base/health');
    expect(journal.list({ status: '4xx' }).map((s) => s.path)).toEqual(['/api/v1/auth/users/1']);
    expect(journal.list({ path: '/api/v1/auth/**' })).toHaveLength(2);
    expect(journal.list({ path: '/api/v1/*/health', dialect: 'fastapi' })).toHaveLength(1);
  });
});

describe('explain over real dialect refusals', () => {
  it('v1auth: a wrong password, then the locked account with its end', async () => {
    const login = (password: string) => sendTo(door('v1auth'), 'POST', '/api/v1/auth/login', { json: { username: 'lisi', password } });
    for (let i = 0; i < gw.core.policy.lockThreshold; i++) expect((await login('wrong')).status).toBe(401);
    const locked = await login('lisi1234');
    expect(locked.status).not.toBe(200);
    const [first] = journal.list();
    expect(first!.decision).toBe('invalid_credentials');
    expect(journal.explain(first!.id)).toMatchObject({ kind: 'invalid_credentials', details: { reason: 'bad_password' } });
    expect(journal.explain(first!.id)!.summary).toMatch(/^the password is wrong/);
    const last = journal.list().at(-1)!;
    expect(last.decision).toBe('account_locked');
    const why = journal.explain(last.id)!;
    expect(why.details.locked_until).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(why.summary).toBe(`the account is locked until ${why.details.locked_until}`);
  });

  it('fastapi: the permission the role lacks; an expired token, by the virtual clock', async () => {
    const lisi = await sendTo(door('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username: 'lisi', password: 'lisi1234' } });
    await sendTo(door('fastapi'), 'DELETE', '/api/v1/users/delete?user_id=2', { token: lisi.json.data.access_token });
    const denied = journal.list().at(-1)!;
    expect([denied.status, denied.decision]).toEqual([403, 'forbidden']);
    expect(journal.explain(denied.id)!.summary).toBe('the role lacks the permission DELETE /api/v1/users/delete');

    gw.clock.advance(8 * 86_400_000); // past any access token's life
    await sendTo(door('fastapi'), 'GET', '/api/v1/base/userinfo', { token: lisi.json.data.access_token });
    const expired = journal.list().at(-1)!;
    expect(expired.decision).toBe('token_expired');
    expect(journal.explain(expired.id)!.summary).toMatch(/^the token expired at \d{4}-\d\d-\d\dT[\d:.]+Z/);
  });
});
