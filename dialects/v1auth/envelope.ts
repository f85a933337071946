// {success, code, message, data}; HTTP status = code; raw UTF-8 JSON with a charset; ISO `Z` times without a fraction.
import type { Reply } from '../../src/http/pipeline.ts';

export interface FieldError {
  field: string;
  message: string;
}

const reply = (status: number, success: boolean, message: string, data: unknown): Reply => ({
  status,
  body: JSON.stringify({ success, code: status, message, data }),
});

export const ok = (message: string, data: unknown = {}): Reply => reply(200, true, message, data);
/** A page: `total`, `page`, `page_size`, then the list under its resource key. */
export const listed = (key: string, page: { page: number; page_size: number }, total: number, items: unknown[]): Reply =>
  ok('查询成功', { total, page: page.page, page_size: page.page_size, [key]: items });
export const fail = (status: number, message: string): Reply => reply(status, false, message, null);
export const invalid = (errors: FieldError[]): Reply => reply(400, false, '请求参数错误', { errors });

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
export const id = (n: number) => String(n);
