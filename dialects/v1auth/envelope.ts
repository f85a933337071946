// {success, code, message, data}; HTTP status = code; raw UTF-8 JSON with a charset; ISO `Z` times without a fraction.
export interface Reply {
  status: number;
  body: string;
}

export interface FieldError {
  field: string;
  message: string;
}

const reply = (status: number, success: boolean, message: string, data: unknown): Reply => ({
  status,
  body: JSON.stringify({ success, code: status, message, data }),
});

export const ok = (message: string, data: unknown = {}): Reply => reply(200, true, message, data);
export const fail = (status: number, message: string): Reply => reply(status, false, message, null);
export const invalid = (errors: FieldError[]): Reply => reply(400, false, '请求参数错误', { errors });

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
export const id = (n: number) => String(n);
