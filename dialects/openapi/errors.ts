import type { Context } from 'hono';
import { reqHeader } from '../../src/http/headers.ts';
import type { ErrorTable } from '../../src/http/pipeline.ts';
import { gateway, languageOf, openapi } from './envelope.ts';

// Core error kind → this dialect's answer: the gateway's handlers turned every service failure into one code of
// their envelope, so each endpoint has its table; what none answers is the openapi envelope's 500.

export const langOf = (c: Context) => languageOf(reqHeader(c, 'accept-language'));
const code = (n: number) => (_e: unknown, c: Context) => gateway(n, langOf(c));

/** The tables, for a clock (the openapi envelope carries the time `t`). */
export function errorTables(now: () => number) {
  return {
    ERRORS: {} satisfies ErrorTable,
    /** POST /v1.0/openapi/auth/login: 20101 (no msg) for any refusal. */
    LOGIN: { default: () => openapi(20101, now()) } satisfies ErrorTable,
    /** POST /v1.0/openapi/token/:refreshToken */
    REFRESH: { token_expired: () => openapi(1010, now()), default: () => openapi(1011, now()) } satisfies ErrorTable,
    /** POST /api/v1/auth/init-password: someone initialised it first, else the password the core refused. */
    INIT_PASSWORD: { conflict: code(20102), default: code(10003) } satisfies ErrorTable,
    /** POST /api/v1/auth/login */
    UI_LOGIN: { default: code(20101) } satisfies ErrorTable,
    /** PUT /api/v1/auth/password */
    CHANGE_PASSWORD: { default: code(10001) } satisfies ErrorTable,
    /** The x-token check: whatever the session check refuses is 10006. */
    X_TOKEN: { default: code(10006) } satisfies ErrorTable,
  };
}
