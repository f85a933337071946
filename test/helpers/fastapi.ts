import type { Hono } from 'hono';
import { send } from './harness.ts';

export const DEV_PASSWORDS: Record<string, string> = {
  admin: 'password123',
  zhangsan: 'zhangsan123',
  lisi: 'lisi1234',
  wangwu: 'wangwu123',
  opsuser: 'Ops12345!',
};

/** Logs in through the fastapi door and returns both tokens. */
export async function fastapiLogin(app: Hono, username: string, password = DEV_PASSWORDS[username]!) {
  const r = await send(app, 'POST', '/api/v1/base/access_token', { json: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  return { access: r.json.data.access_token as string, refresh: r.json.data.refresh_token as string };
}
