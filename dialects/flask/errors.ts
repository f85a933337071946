import type { CoreError } from '../../src/core/index.ts';
import type { ErrorTable, Reply } from '../../src/http/pipeline.ts';
import { failure, jwtError, PAGES } from './envelope.ts';
import type { Refusal } from './tokens.ts';

// Core error kind → this dialect's answer. The legacy views caught the service's failures themselves, so the answers
// are the views' own (HTTP 200 business failures); what no view answers is the legacy server's 500 page.
export const ERRORS: ErrorTable = {};

/** POST /auth/login: every other refusal is 登录失败. */
export const LOGIN_ERRORS: ErrorTable = {
  user_disabled: failure('账号被禁用'),
  account_locked: failure('账号已被锁定，请稍后再试'),
  default: failure('登录失败'),
};

/** POST /auth/register: a taken name or e-mail, else the password the core refused. */
export const REGISTER_ERRORS: ErrorTable = {
  conflict: (e: CoreError) => failure(e.details.field === 'email' ? '邮箱已经存在' : '用户名已存在'),
  default: failure('密码不符合要求'),
};

/** `token_in_blocklist_loader`: a refresh token whose session the core refuses (revoked, user disabled or gone). */
export const REVOKED_ERRORS: ErrorTable = { default: jwtError(401, 'Token has been revoked') };

/** Flask-JWT-Extended's refusal of a token, or the legacy 500 page where 4.7.1 crashed. */
export function refusalReply(r: Refusal): Reply {
  return 'crash' in r ? PAGES.internalError() : jwtError(r.status, r.msg);
}
