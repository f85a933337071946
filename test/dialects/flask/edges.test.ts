import { describe, expect, it } from 'vitest';
import { makeGateway, send } from '../../helpers/harness.ts';

const f = (code: number, msg: string) => JSON.stringify({ code, data: null, msg }).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';

describe('flask edges the docs promise', () => {
  it('a password over 1024 bytes: register refuses it, login never hashes it', async () => {
    const gw = await makeGateway();
    const app = gw.app('flask');
    const long = 'p'.repeat(1025);
    expect((await send(app, 'POST', '/api/auth/register', { json: { username: 'long_pw', password: long } })).text).toBe(f(1, '密码不符合要求'));
    expect((await gw.core.users.byUsername('long_pw'))).toBeUndefined();
    expect((await send(app, 'POST', '/api/auth/login', { json: { username: 'lisi', password: long } })).text).toBe(f(1, '登录失败'));
  });

  it('unicode usernames register and log in, escaped on the wire', async () => {
    const gw = await makeGateway();
    const app = gw.app('flask');
    expect((await send(app, 'POST', '/api/auth/register', { json: { username: '张伟🦊', password: '密码123' } })).json.code).toBe(0);
    const r = await send(app, 'POST', '/api/auth/login', { json: { username: '张伟🦊', password: '密码123' } });
    expect(r.text).toContain('"username":"\\u5f20\\u4f1f\\ud83e\\udd8a"');
    expect(r.json.data.payload.user.username).toBe('张伟🦊');
  });

  it('deep nesting past CPython\'s recursion limit answers the legacy 500 page, not a crash', async () => {
    const gw = await makeGateway();
    const r = await send(gw.app('flask'), 'POST', '/api/auth/login', { body: '['.repeat(5000) + ']'.repeat(5000), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(500);
    expect(r.text).toContain('<title>500 Internal Server Error</title>');
  });
});
