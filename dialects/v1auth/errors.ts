import type { CoreError } from '../../src/core/index.ts';
import { fail, invalid, type Reply } from './envelope.ts';

const NOT_FOUND: Record<string, string> = { user: '用户不存在', role: '角色不存在', api_key: 'API密钥不存在', permission: '权限不存在', department: '部门不存在' };
const CONFLICT: Record<string, string> = { username: '用户名已存在', email: '邮箱已存在' };

/** Core error kind → this dialect's status and message; `entity` names what a conflict is about. */
export function coreErrorReply(e: CoreError, entity: 'user' | 'role' | 'permission' = 'user'): Reply {
  switch (e.kind) {
    case 'not_found':
      return fail(404, NOT_FOUND[String(e.details.entity)] ?? '未找到请求的资源');
    case 'conflict':
      if (entity === 'role') return fail(409, '角色名已存在');
      if (entity === 'permission') return fail(409, '权限已存在');
      return fail(409, CONFLICT[String(e.details.field)] ?? '资源冲突');
    case 'forbidden':
      return e.details.reason === 'api_key' ? KEY_FORBIDDEN() : fail(403, '权限不足');
    case 'validation':
      return invalid([{ field: String(e.details.field ?? 'body'), message: '格式不正确' }]);
    case 'invalid_credentials':
      return fail(401, '用户名或密码错误');
    case 'user_disabled':
      return fail(401, '账号已被禁用');
    case 'account_locked':
      return fail(401, '账号已被锁定，请稍后再试');
    case 'token_expired':
      return fail(401, 'Token已过期');
    case 'token_revoked':
    case 'token_reused':
      return fail(401, 'Token已失效');
    case 'api_key_invalid':
      return fail(401, 'API密钥无效');
    case 'api_key_disabled':
      return fail(401, 'API密钥已禁用');
    case 'api_key_expired':
      return fail(401, 'API密钥已过期');
    default:
      return fail(401, 'Token无效');
  }
}

export const FORBIDDEN = () => fail(403, '权限不足');
export const KEY_FORBIDDEN = () => fail(403, 'API密钥无权执行此操作');
