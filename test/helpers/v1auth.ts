import type { Hono } from 'hono';
import { send } from './harness.ts';

export const V1 = '/api/v1/auth';

/** Logs in through the v1auth door and returns the token. */
export async function v1Login(app: Hono, username: string, password: string, remember = false): Promise<string> {
  const r = await send(app, 'POST', `${V1}/login`, { json: { username, password, remember_me: remember } });
  if (r.status !== 200) throw new Error(`v1auth login ${username}: ${r.status} ${r.text}`);
  return r.json.data.token;
}

export async function v1Key(app: Hono, token: string, permissions: string[], name = 'k'): Promise<{ id: string; key: string }> {
  const r = await send(app, 'POST', `${V1}/api-keys`, { token, json: { name, permissions } });
  if (r.status !== 200) throw new Error(`key: ${r.status} ${r.text}`);
  return r.json.data;
}
