// Starlette JSONResponse bytes: compact separators, raw UTF-8, `application/json` without charset.
const HEADERS = { 'content-type': 'application/json' };

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...HEADERS, ...headers } });

/** `Success`: HTTP status equals `code`. */
export const success = (data: unknown = null, msg = 'OK'): Response => json(200, { code: 200, msg, data });

/** `SuccessExtra`: paging figures beside `data`, not inside it. */
export const paged = (data: unknown[], total: number, page: number, pageSize: number): Response =>
  json(200, { code: 200, msg: 'OK', data, total, page, page_size: pageSize });

/** `Fail` and HTTPException bodies carry `"data": null`. */
export const fail = (status: number, msg: string): Response => json(status, { code: status, msg, data: null });

/** Validation and unexpected-error bodies have no `data` key. */
export const bare = (status: number, msg: string): Response => json(status, { code: status, msg });

export const validationFailed = (): Response => bare(422, '请求参数验证失败，请检查输入格式');
export const internalError = (): Response => bare(500, '服务器内部错误，请稍后重试');

/** Starlette's own answers for routing misses. */
export const notFound = (): Response => json(404, { detail: 'Not Found' });
export const methodNotAllowed = (allow: string): Response => json(405, { detail: 'Method Not Allowed' }, { allow });

/** slowapi's stock handler: not an envelope. */
export const rateLimited = (limit: string): Response => json(429, { error: `Rate limit exceeded: ${limit}` });
