// Issue 8: each finding of the attack run, replayed with the request as it was sent, across the doors it crossed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../src/core/index.ts';
import { startGateway } from '../../src/main.ts';
import { defaultConfig } from '../../src/config.ts';
import { unlock } from '../../src/cli/unlock.ts';
import { fastapiLogin } from '../helpers/fastapi.ts';
import { makeGateway, send, STORE_KINDS, type TestGateway } from '../helpers/harness.ts';
import { V1, v1Key, v1Login } from '../helpers/v1auth.ts';

const LOCKED_FASTAPI = '{"code":400,"msg":"账号已被锁定，请稍后再试","data":null}';
const flaskLogin = async (gw: TestGateway, username: string, password: string) =>
  (await send(gw.app('flask'), 'POST', '/api/auth/login', { json: { username, password } })).json.data as { access_token: string; refresh_token: string };
const flaskRefresh = (gw: TestGateway, token: string) => send(gw.app('flask'), 'POST', '/api/auth/refresh', { token });

describe.each(STORE_KINDS)('issue 8 regressions on %s', (kind) => {
  describe('8.3 flask refresh tokens die with a revocation made the same millisecond', () => {
    it('disable + enable through v1auth, clock not moved: the old refresh token is revoked, a new login works', async () => {
      const gw = await makeGateway({ store: kind });
      const { refresh_token } = await flaskLogin(gw, 'licheng.zhou9', 'Zhougezuishuai22');
      expect((await flaskRefresh(gw, refresh_token)).status).toBe(200);
      const admin = await v1Login(gw.app('v1auth'), 'admin', 'password123');
      const id = (await gw.core.users.byUsername('licheng.zhou9'))!.id;
      for (const status of ['inactive', 'active']) {
        expect((await send(gw.app('v1auth'), 'PUT', `${V1}/users/${id}`, { token: admin, json: { status } })).status).toBe(200);
      }
      const r = await flaskRefresh(gw, refresh_token);
      expect([r.status, r.text]).toEqual([401, '{"msg":"Token has been revoked"}\n']);
      const again = await flaskLogin(gw, 'licheng.zhou9', 'Zhougezuishuai22');
      expect((await flaskRefresh(gw, again.refresh_token)).status).toBe(200);
    });

    it('a password change through v1auth, same millisecond: revoked', async () => {
      const gw = await makeGateway({ store: kind });
      const { refresh_token } = await flaskLogin(gw, 'opsuser', 'Ops12345!');
      const token = await v1Login(gw.app('v1auth'), 'opsuser', 'Ops12345!');
      const id = (await gw.core.users.byUsername('opsuser'))!.id;
      const changed = await send(gw.app('v1auth'), 'PUT', `${V1}/users/${id}/password`, { token, json: { current_password: 'Ops12345!', new_password: 'Changed-Pass9' } });
      expect(changed.status).toBe(200);
      expect((await flaskRefresh(gw, refresh_token)).status).toBe(401);
    });
  });

  describe('8.5 a wrong current password counts as a login failure, in every dialect', () => {
    it('v1auth PUT /users/{self}/password: 5 wrong guesses lock the account on every door', async () => {
      const gw = await makeGateway({ store: kind });
      const v1 = gw.app('v1auth');
      const token = await v1Login(v1, 'opsuser', 'Ops12345!');
      const id = (await gw.core.users.byUsername('opsuser'))!.id;
      const guess = () => send(v1, 'PUT', `${V1}/users/${id}/password`, { token, json: { current_password: 'Wrong-Guess1', new_password: 'Another-Pass1' } });
      for (let i = 0; i < 5; i++) expect((await guess()).json.message).toBe('当前密码错误');
      const sixth = await guess();
      expect([sixth.status, sixth.json.message]).toEqual([401, '账号已被锁定，请稍后再试']);
      expect((await send(gw.app('fastapi'), 'POST', '/api/v1/base/access_token', { json: { username: 'opsuser', password: 'Ops12345!' } })).text).toBe(LOCKED_FASTAPI);
      // Even the right current password is refused while locked; the lock passes with the clock.
      const right = await send(v1, 'PUT', `${V1}/users/${id}/password`, { token, json: { current_password: 'Ops12345!', new_password: 'Another-Pass1' } });
      expect(right.status).toBe(401);
      gw.clock.advance(60_000);
      expect((await send(v1, 'PUT', `${V1}/users/${id}/password`, { token, json: { current_password: 'Ops12345!', new_password: 'Another-Pass1' } })).status).toBe(200);
    });

    it('openapi PUT /api/v1/auth/password: 5 wrong guesses lock admin for flask too', async () => {
      const gw = await makeGateway({ store: kind });
      const app = gw.app('openapi');
      const ui = await send(app, 'POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'password123' } });
      const headers = { 'x-token': ui.json.result.token as string };
      for (let i = 0; i < 5; i++) {
        const r = await send(app, 'PUT', '/api/v1/auth/password', { headers, json: { currentPassword: 'wrong', newPassword: 'Next-Pass1' } });
        expect(r.json.errorCode).toBe(10001);
      }
      const flask = await send(gw.app('flask'), 'POST', '/api/auth/login', { json: { username: 'admin', password: 'password123' } });
      expect(flask.json.msg).toBe('账号已被锁定，请稍后再试');
    });
  });

  describe('8.6 a privilege never crosses a door the core would refuse', () => {
    it('fastapi 管理员 (not a superuser) cannot create a superuser, nor rename, disable or delete one', async () => {
      const gw = await makeGateway({ store: kind });
      const app = gw.app('fastapi');
      const { access } = await fastapiLogin(app, 'zhangsan');
      const create = await send(app, 'POST', '/api/v1/users/create', { token: access, json: { username: 'evil', email: 'evil@example.com', password: 'evil12345', is_superuser: true } });
      expect(create.text).toBe('{"code":400,"msg":"创建用户失败","data":null}');
      expect((await gw.core.users.byUsername('evil'))).toBeUndefined();
      const plain = await send(app, 'POST', '/api/v1/users/create', { token: access, json: { username: 'fine', email: 'fine@example.com', password: 'fine12345' } });
      expect(plain.json.code).toBe(200);
      const rename = await send(app, 'POST', '/api/v1/users/update', { token: access, json: { id: 1, username: 'root2', email: 'admin@example.com' } });
      expect(rename.text).toBe('{"code":400,"msg":"更新用户失败","data":null}');
      const promote = await send(app, 'POST', '/api/v1/users/update', { token: access, json: { id: 3, username: 'lisi', email: 'lisi@example.com', is_superuser: true } });
      expect(promote.text).toBe('{"code":400,"msg":"更新用户失败","data":null}');
      expect((await send(app, 'DELETE', '/api/v1/users/delete?user_id=1', { token: access })).text).toBe('{"code":400,"msg":"删除用户失败","data":null}');
      expect((await gw.core.users.get(1))?.username).toBe('admin');
      expect((await gw.core.users.get(3))?.isSuperuser).toBe(false);
    });

    it('a superuser still grants and revokes superuser through fastapi', async () => {
      const gw = await makeGateway({ store: kind });
      const app = gw.app('fastapi');
      const { access } = await fastapiLogin(app, 'admin');
      const promote = await send(app, 'POST', '/api/v1/users/update', { token: access, json: { id: 3, username: 'lisi', email: 'lisi@example.com', is_superuser: true } });
      expect(promote.json.code).toBe(200);
      expect((await gw.core.users.get(3))?.isSuperuser).toBe(true);
    });

    it('a v1auth holder of `admin` (not a superuser) cannot reset, disable or delete the superuser', async () => {
      const gw = await makeGateway({ store: kind });
      const v1 = gw.app('v1auth');
      const adminRole = (await gw.core.directory.rolesByName(['admin'])).roles[0]!;
      await gw.core.users.create({ username: 'deputy', email: 'deputy@example.com', password: 'Deputy-Pass1', roleIds: [adminRole.id] }, SYSTEM);
      const token = await v1Login(v1, 'deputy', 'Deputy-Pass1');
      const reset = await send(v1, 'POST', `${V1}/users/1/reset-password`, { token, json: { send_email: false } });
      expect([reset.status, reset.json.message, reset.json.data]).toEqual([403, '权限不足', null]);
      expect((await send(v1, 'PUT', `${V1}/users/1`, { token, json: { status: 'inactive' } })).status).toBe(403);
      expect((await send(v1, 'DELETE', `${V1}/users/1`, { token })).status).toBe(403);
      expect((await gw.core.users.get(1))?.status).toBe('active');
      // Ordinary users stay theirs to manage.
      expect((await send(v1, 'POST', `${V1}/users/3/reset-password`, { token, json: { send_email: false } })).status).toBe(200);
    });

    it('a fastapi 管理员 cannot hand out a role whose permissions it lacks (v1auth admin), to others or to itself', async () => {
      const gw = await makeGateway({ store: kind });
      const app = gw.app('fastapi');
      const { access } = await fastapiLogin(app, 'zhangsan');
      // Role 6 is v1auth's `admin`; role 2 (普通用户) holds only grants 管理员 has too.
      const made = await send(app, 'POST', '/api/v1/users/create', { token: access, json: { username: 'zs_made', email: 'zs_made@example.com', password: 'ZsMade123', role_ids: [6] } });
      expect(made.text).toBe('{"code":400,"msg":"创建用户失败","data":null}');
      const self = await send(app, 'POST', '/api/v1/users/update', { token: access, json: { id: 2, username: 'zhangsan', email: 'zhangsan@example.com', role_ids: [1, 6] } });
      expect(self.text).toBe('{"code":400,"msg":"更新用户失败","data":null}');
      expect(((await gw.core.directory.rolesOf([2])).get(2) ?? []).map((r) => r.id)).toEqual([1]);
      const fine = await send(app, 'POST', '/api/v1/users/create', { token: access, json: { username: 'zs_fine', email: 'zs_fine@example.com', password: 'ZsFine123', role_ids: [2] } });
      expect(fine.json.code).toBe(200);
      // Keeping a role one already has is no grant.
      const keep = await send(app, 'POST', '/api/v1/users/update', { token: access, json: { id: 2, username: 'zhangsan', email: 'zhangsan@example.com', role_ids: [1] } });
      expect(keep.json.code).toBe(200);
    });

    it('an API key with `admin` cannot create a user (a password is a credential): no key → login → take-over chain', async () => {
      const gw = await makeGateway({ store: kind });
      const v1 = gw.app('v1auth');
      const admin = await v1Login(v1, 'admin', 'password123');
      const { key } = await v1Key(v1, admin, ['read', 'write', 'admin']);
      const r = await send(v1, 'POST', `${V1}/users`, { headers: { 'x-api-key': key }, json: { username: 'keymade', email: 'keymade@example.com', password: 'Key-Made1!', roles: ['admin'] } });
      expect([r.status, r.json.message]).toEqual([403, 'API密钥无权执行此操作']);
      expect(await gw.core.users.byUsername('keymade')).toBeUndefined();
    });

    it('an API key with `admin` cannot reset a password nor change its owner\'s, so it cannot log in as anyone', async () => {
      const gw = await makeGateway({ store: kind });
      const v1 = gw.app('v1auth');
      const admin = await v1Login(v1, 'admin', 'password123');
      const { key } = await v1Key(v1, admin, ['read', 'write', 'admin']);
      for (const [method, path, json] of [
        ['POST', '/users/3/reset-password', { send_email: false }],
        ['POST', '/users/1/reset-password', { send_email: false }],
        ['PUT', '/users/1/password', { current_password: 'password123', new_password: 'Taken-Over1' }],
        ['POST', '/api-keys', { name: 'more', permissions: ['read'] }],
      ] as const) {
        const r = await send(v1, method, V1 + path, { headers: { 'x-api-key': key }, json });
        expect([path, r.status, r.json.message]).toEqual([path, 403, 'API密钥无权执行此操作']);
      }
      expect((await gw.core.outbox.list())).toEqual([]);
    });
  });
});

describe('8.10 the permanent lock is undone without SQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-unlock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the hard lock (100 failures; 3 here) holds admin for good; `npm run unlock -- admin` opens it again', async () => {
    const gw = await startGateway({ ...defaultConfig(), dataDir: dir, only: ['fastapi'], ports: { ...defaultConfig().ports, fastapi: 0 } }, { policy: { hardLockAt: 3 } });
    try {
      for (let i = 0; i < 3; i++) await expect(gw.core.auth.authenticate('admin', 'wrong')).rejects.toMatchObject({ kind: 'invalid_credentials' });
      await expect(gw.core.auth.authenticate('admin', 'password123')).rejects.toMatchObject({ kind: 'account_locked' });
      expect(await unlock(['--data-dir', dir, 'admin'], {})).toEqual({ code: 0, out: 'unlocked admin' });
      await expect(gw.core.auth.authenticate('admin', 'password123')).resolves.toMatchObject({ username: 'admin' });
      expect(await unlock(['--data-dir', dir, 'admin'], {})).toEqual({ code: 0, out: 'admin was not locked' });
      expect(await unlock(['--data-dir', dir, 'nobody'], {})).toEqual({ code: 1, out: 'unlock: no user named "nobody"' });
      expect((await unlock(['--data-dir', join(dir, 'missing'), 'admin'], {})).code).toBe(1);
      expect((await unlock([], {})).code).toBe(2);
    } finally {
      await gw.close();
    }
  });
});
