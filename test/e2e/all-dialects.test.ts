import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'dialectgate-all-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** `npm start`'s entry point on free ports; resolves with each dialect's URL once it is ready. */
async function start(): Promise<{ child: ChildProcess; urls: Record<string, string> }> {
  const ports = ['fastapi', 'flask', 'v1auth', 'openapi'].flatMap((n) => [`--port-${n}`, '0']);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--data-dir', dataDir, ...ports, '--rate-limits', 'off'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls: Record<string, string> = {};
  for await (const line of createInterface({ input: child.stdout! })) {
    const m = /^(\w+)\s+(http:\/\/\S+)$/.exec(line);
    if (m) urls[m[1]!] = m[2]!;
    if (line.startsWith('ready in')) break;
  }
  return { child, urls };
}
const stop = (child: ChildProcess) => new Promise<number | null>((r) => {
  child.once('exit', r);
  child.kill('SIGTERM');
});
const json = (url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
  fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('all four dialects on one core (the entry point, real ports)', () => {
  it('a user created through v1auth logs in everywhere; disabled through fastapi, every dialect refuses it; an openapi token survives a restart', async () => {
    let { child, urls } = await start();
    expect(Object.keys(urls)).toEqual(['fastapi', 'flask', 'v1auth', 'openapi', 'admin']); // the control plane's line too
    const user = { username: 'everywhere', password: 'Every1where!' };

    const admin = (await json(`${urls.v1auth}/api/v1/auth/login`, { body: { username: 'admin', password: 'password123' } })).body.data.token;
    const created = await json(`${urls.v1auth}/api/v1/auth/users`, { headers: { authorization: `Bearer ${admin}` }, body: { ...user, email: 'every@example.com', roles: ['user'] } });
    expect(created.body.message).toBe('用户创建成功');
    const id = Number(created.body.data.id);

    const fastapi = await json(`${urls.fastapi}/api/v1/base/access_token`, { body: user });
    expect(fastapi.body.msg).toBe('OK');
    const flask = await json(`${urls.flask}/api/auth/login`, { body: user });
    expect(flask.body.msg).toBe('登录成功');
    const openapi = await json(`${urls.openapi}/v1.0/openapi/auth/login`, { body: user });
    expect(openapi.body.code).toBe(0);

    // a restart: tokens issued before it still work (keys are kept in the data directory)
    expect(await stop(child)).toBe(0);
    ({ child, urls } = await start());
    const xtoken = { 'x-token': openapi.body.result.access_token };
    const probe = await json(`${urls.openapi}/api/v1/auth/password`, { method: 'PUT', headers: xtoken, body: { currentPassword: 'wrong', newPassword: 'x' } });
    expect(probe.body.errorCode).toBe(10001); // past the token check: the token is valid after the restart
    expect((await json(`${urls.fastapi}/api/v1/base/userinfo`, { headers: { authorization: `Bearer ${fastapi.body.data.access_token}` } })).status).toBe(200);

    const fastapiAdmin = (await json(`${urls.fastapi}/api/v1/base/access_token`, { body: { username: 'admin', password: 'password123' } })).body.data.access_token;
    const disabled = await json(`${urls.fastapi}/api/v1/users/update`, {
      headers: { authorization: `Bearer ${fastapiAdmin}` },
      body: { id, email: 'every@example.com', username: user.username, is_active: false },
    });
    expect(disabled.body.msg).toBe('Updated Successfully');

    expect((await json(`${urls.fastapi}/api/v1/base/access_token`, { body: user })).body).toEqual({ code: 400, msg: '用户已被禁用', data: null });
    expect((await json(`${urls.fastapi}/api/v1/base/userinfo`, { headers: { authorization: `Bearer ${fastapi.body.data.access_token}` } })).body.msg).toBe('认证失败');
    expect((await json(`${urls.flask}/api/auth/login`, { body: user })).body).toEqual({ code: 1, data: null, msg: '账号被禁用' });
    expect((await json(`${urls.flask}/api/auth/refresh`, { method: 'POST', headers: { authorization: `Bearer ${flask.body.data.refresh_token}` } })).body).toEqual({ msg: 'Token has been revoked' });
    expect((await json(`${urls.v1auth}/api/v1/auth/login`, { body: user })).body.message).toBe('账号已被禁用');
    expect((await json(`${urls.openapi}/v1.0/openapi/auth/login`, { body: user })).body.code).toBe(20101);
    expect((await json(`${urls.openapi}/api/v1/auth/password`, { method: 'PUT', headers: xtoken, body: {} })).body.errorCode).toBe(10006);
    expect((await json(`${urls.openapi}/v1.0/openapi/token/${openapi.body.result.refresh_token}`, { method: 'POST' })).body.code).toBe(1011);
    expect(await stop(child)).toBe(0);
  });
});
