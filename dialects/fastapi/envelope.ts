// Starlette JSONResponse bytes: compact separators, raw UTF-8, `application/json` without charset.
// Answers are plain data (the pipeline's Reply) until the app's `respond` adds the transport headers and sends them.
import type { Reply } from '../../src/http/pipeline.ts';

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => raw(status, JSON.stringify(body), headers);

/** An already serialized JSON body. */
export const raw = (status: number, text: string, headers?: Record<string, string>): Reply =>
  headers ? { status, body: text, contentType: 'application/json', headers } : { status, body: text, contentType: 'application/json' };

/** `Success`: HTTP status equals `code`. */
export const success = (data: unknown = null, msg = 'OK'): Reply => json(200, { code: 200, msg, data });

/** `SuccessExtra`: paging figures beside `data`, not inside it. `items` is the already serialized list content. */
export const paged = (items: string, total: number, page: number, pageSize: number): Reply =>
  raw(200, `{"code":200,"msg":"OK","data":[${items}],"total":${total},"page":${page},"page_size":${pageSize}}`);

/** `Fail` and HTTPException bodies carry `"data": null`. */
export const fail = (status: number, msg: string): Reply => json(status, { code: status, msg, data: null });

/** Validation and unexpected-error bodies have no `data` key. */
export const bare = (status: number, msg: string): Reply => json(status, { code: status, msg });

export const validationFailed = (): Reply => bare(422, '请求参数验证失败，请检查输入格式');
export const internalError = (): Reply => bare(500, '服务器内部错误，请稍后重试');

/** Starlette's own answers for routing misses. */
export const notFound = (): Reply => json(404, { detail: 'Not Found' });
export const methodNotAllowed = (allow: string): Reply => json(405, { detail: 'Method Not Allowed' }, { allow });

/** slowapi's stock handler: not an envelope. */
export const rateLimited = (limit: string): Reply => json(429, { error: `Rate limit exceeded: ${limit}` });
