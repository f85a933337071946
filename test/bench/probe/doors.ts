// One helper per door: log in, and call a route as somebody, over the child gateway's real ports.
import { json, type ChildGateway, type Res } from './lib.ts';

export const JSON_CT = { 'content-type': 'application/json' };
export const DEV = {
  admin: 'password123',
  zhangsan: 'zhangsan123',
  lisi: 'lisi1234',
  wangwu: 'wangwu123',
  opsuser: 'Ops12345!',
  'licheng.zhou9': 'Zhougezuishuai22',
  engineer1: 'engineer123',
} as const;

export type Cred = { bearer: string } | { key: string } | { xtoken: string } | null;

function credHeaders(cred: Cred | undefined): Record<string, string> {
  if (!cred) return {};
  if ('bearer' in cred) return { authorization: `Bearer ${cred.bearer}` };
  if ('key' in cred) return { 'x-api-key': cred.key };
  return { 'x-token': cred.xtoken };
}

export function call(gw: ChildGateway, d: Parameters<ChildGateway['send']>[0], method: string, path: string, cred?: Cred, body?: unknown, extra: Record<string, string> = {}): Promise<Res> {
  return gw.send(d, {
    method,
    path,
    headers: { ...credHeaders(cred), ...(body !== undefined && JSON_CT), ...extra },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

export class DoorError extends Error {}
const must = <T>(what: string, r: Res, v: T | undefined): T => {
  if (v === undefined || v === null) throw new DoorError(`${what}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  return v;
};

export async function fastapiLogin(gw: ChildGateway, username: string, password: string) {
  const r = await call(gw, 'fastapi', 'POST', '/api/v1/base/access_token', null, { username, password });
  const d = json(r)?.data;
  return must(`fastapi login ${username}`, r, d?.access_token ? { access: d.access_token as string, refresh: d.refresh_token as string } : undefined);
}
export async function flaskLogin(gw: ChildGateway, username: string, password: string) {
  const r = await call(gw, 'flask', 'POST', '/api/auth/login', null, { username, password });
  const d = json(r)?.data;
  return must(`flask login ${username}`, r, d?.access_token ? { access: d.access_token as string, refresh: d.refresh_token as string } : undefined);
}
export async function v1Login(gw: ChildGateway, username: string, password: string, remember = false) {
  const r = await call(gw, 'v1auth', 'POST', '/api/v1/auth/login', null, { username, password, remember_me: remember });
  return must(`v1auth login ${username}`, r, json(r)?.data?.token as string | undefined);
}
export async function openapiLogin(gw: ChildGateway, username: string, password: string) {
  const r = await call(gw, 'openapi', 'POST', '/v1.0/openapi/auth/login', null, { username, password });
  const d = json(r)?.result;
  return must(`openapi login ${username}`, r, d?.access_token ? { access: d.access_token as string, refresh: d.refresh_token as string } : undefined);
}
export async function openapiUiLogin(gw: ChildGateway, username: string, password: string) {
  const r = await call(gw, 'openapi', 'POST', '/api/v1/auth/login', null, { username, password });
  return must(`openapi ui login ${username}`, r, json(r)?.result?.token as string | undefined);
}

export async function v1Key(gw: ChildGateway, token: string, permissions: string[], name = 'probe') {
  const r = await call(gw, 'v1auth', 'POST', '/api/v1/auth/api-keys', { bearer: token }, { name, permissions });
  const d = json(r)?.data;
  return must(`v1auth key ${permissions}`, r, d?.key ? { id: d.id as string, key: d.key as string } : undefined);
}

/** username → id (strings of digits), through v1auth as an admin; every status. */
export async function userIds(gw: ChildGateway, adminToken: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const status of ['active', 'inactive', 'locked']) {
    for (let page = 1; page < 50; page++) {
      const r = await call(gw, 'v1auth', 'GET', `/api/v1/auth/users?page=${page}&page_size=100&status=${status}`, { bearer: adminToken });
      const users = (json(r)?.data?.users ?? []) as { id: string; username: string }[];
      for (const u of users) out.set(u.username, u.id);
      if (users.length < 100) break;
    }
  }
  return out;
}

export async function roleIds(gw: ChildGateway, adminToken: string): Promise<Map<string, string>> {
  const r = await call(gw, 'v1auth', 'GET', '/api/v1/auth/roles?page=1&page_size=100', { bearer: adminToken });
  return new Map(((json(r)?.data?.roles ?? []) as { id: string; name: string }[]).map((x) => [x.name, x.id]));
}
