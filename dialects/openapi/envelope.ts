// Two envelopes, as upstream (gin + Go's encoders); every JSON answer is HTTP 200.
export interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

const OPENAPI_MSG: Record<number, string> = {
  500: 'system error,please contact the admin',
  1010: 'token expired',
  1011: 'token invalid',
  1104: 'params incorrect',
  1108: 'url path is invalid',
  2003: 'function not support',
};

/** A: login, refresh, unknown routes. `msg` only on failure and only for codes of the openapi table; `result` only on success. */
export function openapi(code: number, t: number, result?: unknown): Reply {
  const msg = code === 0 ? undefined : OPENAPI_MSG[code];
  const body = { code, ...(msg !== undefined && { msg }), success: code === 0, t, ...(code === 0 && { result }) };
  return { status: 200, body: JSON.stringify(body), contentType: 'application/json; charset=utf-8' };
}

type Lang = 'zh' | 'en';
const GATEWAY_MSG: Record<number, Record<Lang, string>> = {
  10001: { zh: '系统错误', en: 'A system error has occurred while processing your request.' },
  10003: { zh: '请求参数错误', en: 'An error has occurred while processing your request parameters.' },
  10006: { zh: 'token错误', en: 'Request token is invalid.' },
  20101: { zh: '账号或密码错误', en: 'The specified password is incorrect.' },
  20102: { zh: '系统已经初始化，请登陆', en: 'The system has been initialized. Please log in to the system.' },
};

/** go-i18n over the bundle {zh (default), en}: the first preferred language that is one of them wins. */
export function languageOf(acceptLanguage: string | undefined): Lang {
  const tags = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? '1');
      return { tag: (tag ?? '').trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((t) => t.tag && t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const hit = tags.find((t) => t.tag.startsWith('en') || t.tag.startsWith('zh'));
  return hit?.tag.startsWith('en') ? 'en' : 'zh';
}

/** B: x-token routes and the UI routes. Go's json.Encoder: a trailing newline, `application/json` without charset. */
export function gateway(code: number, lang: Lang, result?: unknown): Reply {
  const body = code === 0
    ? { success: true, errorCode: 0, errorMsg: 'success', result: result ?? [] }
    : { success: false, errorCode: Math.max(code, 10001), errorMsg: GATEWAY_MSG[code]?.[lang] ?? GATEWAY_MSG[10001]![lang], result: [] };
  return { status: 200, body: JSON.stringify(body) + '\n', contentType: 'application/json' };
}
