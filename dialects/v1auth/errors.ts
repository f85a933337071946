import { deny, type ErrorTable } from '../../src/http/pipeline.ts';
import { fail, invalid } from './envelope.ts';

const NOT_FOUND: Record<string, string> = { user: '用户不存在', role: '角色不存在', api_key: 'API密钥不存在', permission: '权限不存在', department: '部门不存在' };
const CONFLICT: Record<string, string> = { username: '用户名已存在', email: '邮箱已存在' };
const KEY_REFUSED = fail(403, 'API密钥无权执行此操作');
const TOKEN_GONE = fail(401, 'Token已失效');

/** Core error kind → this dialect's status and message, wherever the error arose. */
export const ERRORS: ErrorTable = {
  not_found: (e) => fail(404, NOT_FOUND[String(e.details.entity)] ?? '未找到请求的资源'),
  conflict: (e) => fail(409, CONFLICT[String(e.details.field)] ?? '资源冲突'),
  forbidden: (e) => (e.details.reason === 'api_key' ? KEY_REFUSED : fail(403, '权限不足')),
  validation: (e) => invalid([{ field: String(e.details.field ?? 'body'), message: '格式不正确' }]),
  invalid_credentials: fail(401, '用户名或密码错误'),
  user_disabled: fail(401, '账号已被禁用'),
  account_locked: fail(401, '账号已被锁定，请稍后再试'),
  token_expired: fail(401, 'Token已过期'),
  token_revoked: TOKEN_GONE,
  token_reused: TOKEN_GONE,
  api_key_invalid: fail(401, 'API密钥无效'),
  api_key_disabled: fail(401, 'API密钥已禁用'),
  api_key_expired: fail(401, 'API密钥已过期'),
  default: fail(401, 'Token无效'),
};

/** A conflict on a role or a permission is about its name. */
export const ROLE_ERRORS: ErrorTable = { conflict: fail(409, '角色名已存在') };
export const PERMISSION_ERRORS: ErrorTable = { conflict: fail(409, '权限已存在') };

/** The dialect's own refusals (the core allowed the call; the legacy service's rules do not), noted as denials. */
export const FORBIDDEN = (missing = 'admin') => deny(fail(403, '权限不足'), 'forbidden', { reason: 'permission', missing });
export const NOT_SELF = () => deny(fail(403, '权限不足'), 'forbidden', { reason: 'not_self' });
export const KEY_FORBIDDEN = () => deny(KEY_REFUSED, 'forbidden', { reason: 'api_key' });
