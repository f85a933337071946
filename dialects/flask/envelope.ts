// Flask 3.1 production output: keys sorted recursively, compact, every character outside ' '..'~' as a
// lowercase \uXXXX escape, a trailing newline, `application/json` without charset; Werkzeug's HTML pages.
import type { Reply } from '../../src/http/pipeline.ts';

/** Werkzeug's reason phrases, upper case on the status line. */
export const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'BAD REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT FOUND',
  405: 'METHOD NOT ALLOWED',
  413: 'REQUEST ENTITY TOO LARGE',
  415: 'UNSUPPORTED MEDIA TYPE',
  422: 'UNPROCESSABLE ENTITY',
  500: 'INTERNAL SERVER ERROR',
};

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** json.dumps(v, sort_keys=True, ensure_ascii=True, separators=(',', ':')) + '\n'. */
export function flaskJson(v: unknown): string {
  return JSON.stringify(sortKeys(v)).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

export const json = (status: number, v: unknown): Reply => ({ status, body: flaskJson(v), contentType: 'application/json' });

/** ResponseModel: code 0 success, 1 failure; business answers are HTTP 200. */
export const success = (msg: string, data: unknown = null): Reply => json(200, { code: 0, data, msg });
export const failure = (msg: string, status = 200): Reply => json(status, { code: 1, data: null, msg });

/** Flask-JWT-Extended's error bodies. */
export const jwtError = (status: number, msg: string): Reply => json(status, { msg });

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function page(status: number, name: string, description: string, headers?: Record<string, string>): Reply {
  const body = `<!doctype html>\n<html lang=en>\n<title>${status} ${name}</title>\n<h1>${name}</h1>\n<p>${escapeHtml(description)}</p>\n`;
  return { status, body, contentType: 'text/html; charset=utf-8', ...(headers && { headers }) };
}

export const PAGES = {
  badRequest: () => page(400, 'Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'),
  notFound: () =>
    page(404, 'Not Found', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.'),
  methodNotAllowed: (allow: string) => page(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.', { allow }),
  tooLarge: () => page(413, 'Request Entity Too Large', 'The data value transmitted exceeds the capacity limit.'),
  unsupportedMediaType: () =>
    page(415, 'Unsupported Media Type', "Did not attempt to load JSON data because the request Content-Type was not 'application/json'."),
  internalError: () =>
    page(
      500,
      'Internal Server Error',
      'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
    ),
};
