import type * as v from 'valibot';
import type { ApiKey } from '../../../src/core/index.ts';
import { stampOf } from '../../../src/core/ports.ts';
import { deny, type Reply } from '../../../src/http/pipeline.ts';
import { fail, id, iso, listed, ok } from '../envelope.ts';
import { FORBIDDEN, KEY_FORBIDDEN } from '../errors.ts';
import { actorOf, type Deps, type Principal } from '../principal.ts';
import type { Endpoint } from '../stages.ts';
import { CreateKey, KeyQuery, StatsQuery } from '../schemas.ts';
import type { Views } from '../views.ts';
import { pathId } from './users.ts';

const BASE = '/api/v1/auth/api-keys';

/** Own keys for everyone; other users' keys for `admin`. A request made with a key cannot create, enable or delete keys. */
export function keyEndpoints({ core }: Deps, views: Views): Endpoint[] {
  async function ownKey(principal: Principal, rawId: string | undefined): Promise<ApiKey | Reply> {
    const key = await core.apiKeys.find(pathId(rawId, 'api_key'));
    if (!key) return fail(404, 'API密钥不存在');
    if (key.userId !== principal.user.id && !principal.isAdmin) return FORBIDDEN();
    return key;
  }
  const isReply = (x: ApiKey | Reply): x is Reply => 'status' in x && 'body' in x;

  const list: Endpoint<v.InferOutput<typeof KeyQuery>> = {
    method: 'GET',
    path: BASE,
    query: KeyQuery,
    async handle({ principal, query }) {
      const { total, items } = await core.apiKeys.list({
        ...(!principal.isAdmin && { userId: principal.user.id }),
        ...(query.name && { nameContains: query.name }),
        ...(query.status && { status: query.status }),
        page: query.page,
        pageSize: query.page_size,
      });
      return listed('api_keys', query, total, await views.keys(items));
    },
  };

  const create: Endpoint<unknown, v.InferOutput<typeof CreateKey>> = {
    method: 'POST',
    path: BASE,
    body: CreateKey,
    async handle({ principal, body }) {
      if (principal.key) return KEY_FORBIDDEN();
      const missing = principal.user.isSuperuser ? undefined : body.permissions.find((p) => !principal.permissions.has(p));
      if (missing !== undefined) return deny(fail(403, '不能授予自己没有的权限'), 'forbidden', { reason: 'grant', missing });
      const { key, record } = await core.apiKeys.create(principal.user.id, { name: body.name, description: body.description ?? null, permissions: body.permissions, expiresInDays: body.expires_in_days }, actorOf(principal));
      return ok('API密钥创建成功', { id: id(record.id), name: record.name, key, permissions: record.permissions, created_at: iso(record.createdAt), expires_at: iso(record.expiresAt) });
    },
  };

  const disable: Endpoint = {
    method: 'POST',
    path: `${BASE}/:id/disable`,
    async handle({ principal, params }) {
      const key = await ownKey(principal, params.id);
      if (isReply(key)) return key;
      await core.apiKeys.setStatus(key.id, 'inactive', actorOf(principal));
      return ok('API密钥已禁用', { id: id(key.id), status: 'inactive', disabled_at: iso(stampOf(core.clock)) });
    },
  };

  const enable: Endpoint = {
    method: 'POST',
    path: `${BASE}/:id/enable`,
    async handle({ principal, params }) {
      if (principal.key) return KEY_FORBIDDEN();
      const key = await ownKey(principal, params.id);
      if (isReply(key)) return key;
      await core.apiKeys.setStatus(key.id, 'active', actorOf(principal));
      return ok('API密钥已启用', { id: id(key.id), status: 'active', enabled_at: iso(stampOf(core.clock)) });
    },
  };

  const remove: Endpoint = {
    method: 'DELETE',
    path: `${BASE}/:id`,
    async handle({ principal, params }) {
      if (principal.key) return KEY_FORBIDDEN();
      const key = await ownKey(principal, params.id);
      if (isReply(key)) return key;
      await core.apiKeys.delete(key.id, actorOf(principal));
      return ok('API密钥已删除');
    },
  };

  const stats: Endpoint<v.InferOutput<typeof StatsQuery>> = {
    method: 'GET',
    path: `${BASE}/:id/stats`,
    query: StatsQuery,
    async handle({ principal, params, query }) {
      const key = await ownKey(principal, params.id);
      if (isReply(key)) return key;
      const s = await core.apiKeys.stats(key.id, query.time_range);
      return ok('查询成功', {
        total_requests: s.total,
        success_requests: s.success,
        error_requests: s.errors,
        daily_stats: s.daily,
        top_endpoints: s.topEndpoints,
        last_used_at: iso(s.lastUsedAt),
        last_ip: s.lastIp,
      });
    },
  };

  return [list, create, disable, enable, remove, stats];
}
