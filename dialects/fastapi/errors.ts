import type { CoreError } from '../../src/core/index.ts';
import type { ErrorTable, Reply } from '../../src/http/pipeline.ts';
import { fail, validationFailed } from './envelope.ts';

// Core error kind → this dialect's answer. The message depends on where the error arose, as the legacy handlers
// had it, so most of the answers are per-endpoint tables; the pipeline asks the endpoint's table (or the stage's)
// first, then this dialect's.

/** The core's own password limits surface as request validation, as pydantic would have. */
const VALIDATION = validationFailed();

/** What no endpoint answers is the legacy app's unhandled error (500). */
export const ERRORS: ErrorTable = { validation: VALIDATION };

/** POST /base/access_token */
export const LOGIN_ERRORS: ErrorTable = {
  invalid_credentials: (e) => fail(400, e.details.reason === 'unknown_user' ? '无效的用户名' : '密码错误!'),
  user_disabled: fail(400, '用户已被禁用'),
  account_locked: fail(400, '账号已被锁定，请稍后再试'),
  validation: VALIDATION,
  default: fail(400, '密码错误!'),
};

/** POST /base/refresh_token */
export const REFRESH_FAILED = fail(401, '令牌无效或已过期');
export const REFRESH_ERRORS: ErrorTable = { user_disabled: fail(401, '用户不存在或已被禁用'), default: REFRESH_FAILED };

/** Bearer authentication on protected routes. */
export type AuthFailure = 'invalid' | 'expired' | 'other';
export function authError(f: AuthFailure): Reply {
  return fail(401, f === 'invalid' ? '无效的Token' : f === 'expired' ? '登录已过期' : '认证失败');
}
/** Whatever the session check refuses (revoked, user disabled or gone) is 认证失败. */
export const AUTH_ERRORS: ErrorTable = { default: authError('other') };

/** /users/*: the service layer turns every failure into 400 with the operation's message. */
export const USER_OPERATION_FAILURES = {
  list: '获取用户列表失败',
  get: '获取用户详情失败',
  create: '创建用户失败',
  update: '更新用户失败',
  delete: '删除用户失败',
  resetPassword: '重置密码失败',
} as const;

const EMAIL_TAKEN = fail(400, 'The user with this email already exists in the system.');

export function userOperationErrors(op: keyof typeof USER_OPERATION_FAILURES): ErrorTable {
  const table: ErrorTable = { validation: VALIDATION, default: fail(400, USER_OPERATION_FAILURES[op]) };
  return op === 'create' ? { ...table, conflict: (e: CoreError) => (e.details.field === 'email' ? EMAIL_TAKEN : undefined) } : table;
}

export const RBAC_NO_ROLE = 'The user is not bound to a role';
export const rbacDenied = (method: string, path: string) => `Permission denied method:${method} path:${path}`;
