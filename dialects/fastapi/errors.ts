import type { CoreError } from '../../src/core/index.ts';
import { fail, validationFailed, type Reply } from './envelope.ts';

// Core error kind → this dialect's answer. The message depends on where the error arose,
// so there is one table per situation, as the legacy handlers had.

/** POST /base/access_token */
export function loginError(e: CoreError): Reply {
  switch (e.kind) {
    case 'invalid_credentials':
      return fail(400, e.details.reason === 'unknown_user' ? '无效的用户名' : '密码错误!');
    case 'user_disabled':
      return fail(400, '用户已被禁用');
    case 'account_locked':
      return fail(400, '账号已被锁定，请稍后再试');
    default:
      return validationOr(e, fail(400, '密码错误!'));
  }
}

/** POST /base/refresh_token */
export function refreshError(e: CoreError): Reply {
  return e.kind === 'user_disabled' ? fail(401, '用户不存在或已被禁用') : fail(401, '令牌无效或已过期');
}

/** Bearer authentication on protected routes. */
export type AuthFailure = 'invalid' | 'expired' | 'other';
export function authError(f: AuthFailure): Reply {
  return fail(401, f === 'invalid' ? '无效的Token' : f === 'expired' ? '登录已过期' : '认证失败');
}

/** /users/*: the service layer turns every failure into 400 with the operation's message. */
export const USER_OPERATION_FAILURES = {
  list: '获取用户列表失败',
  get: '获取用户详情失败',
  create: '创建用户失败',
  update: '更新用户失败',
  delete: '删除用户失败',
  resetPassword: '重置密码失败',
} as const;

export function userOperationError(op: keyof typeof USER_OPERATION_FAILURES) {
  return (e: CoreError): Reply => {
    if (op === 'create' && e.kind === 'conflict' && e.details.field === 'email') {
      return fail(400, 'The user with this email already exists in the system.');
    }
    return validationOr(e, fail(400, USER_OPERATION_FAILURES[op]));
  };
}

/** The core's own password limits surface as request validation, as pydantic would have. */
const validationOr = (e: CoreError, otherwise: Reply): Reply => (e.kind === 'validation' ? validationFailed() : otherwise);

export const RBAC_NO_ROLE = 'The user is not bound to a role';
export const rbacDenied = (method: string, path: string) => `Permission denied method:${method} path:${path}`;
