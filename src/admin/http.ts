// The control plane's conventions (control-plane.md §2): JSON in and out, unknown fields refused, snake_case,
// `{"error":{"code","message"}}`, instants out as UTC ISO with milliseconds, in as ISO or epoch ms, durations as ms or
// ISO 8601 (`PT4H1S`).
import type { Context } from 'hono';

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_fixture'
  | 'invalid_snapshot'
  | 'invalid_tenant'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'timeout'
  | 'conflict'
  | 'unavailable'
  | 'limit_reached';

/** Thrown by a handler; the app answers it as the error shape. */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 408 | 409 | 503,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers } });

export const problem = (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): Response =>
  json(status, { error: { code, message } }, headers);

export const noContent = (): Response => new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });

export const bad = (message: string) => new AdminError(400, 'invalid_request', message);

export const iso = (ms: number): string => new Date(ms).toISOString();

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Refuses fields outside `allowed`. */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[], where = 'body'): void {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw bad(`unknown field ${JSON.stringify(k)} in the ${where} (expected ${allowed.length ? allowed.join(', ') : 'none'})`);
  }
}

/**
 * The JSON object body (empty: `{}`), its fields among `allowed`. Read as JSON whatever the Content-Type says
 * (`curl -d`, `fetch` with a string body): browsers cannot reach the plane cross-origin anyway (Origin: 403).
 */
export async function readBody(c: Context, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(`the body is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw bad('the body must be a JSON object');
  onlyFields(value, allowed);
  return value;
}

/** The query parameters, each given once, among `allowed`. */
export function readQuery(c: Context, allowed: readonly string[]): Record<string, string> {
  const url = new URL(c.req.url);
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (!allowed.includes(k)) throw bad(`unknown query parameter ${JSON.stringify(k)} (expected ${allowed.length ? allowed.join(', ') : 'none'})`);
    if (k in out) throw bad(`query parameter ${JSON.stringify(k)} given twice`);
    out[k] = v;
  }
  return out;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An instant: epoch ms (a number, or digits in a query) or an ISO 8601 date-time with a zone. */
export function instant(x: unknown, field: string): number {
  if (typeof x === 'number' && Number.isSafeInteger(x)) return x;
  if (typeof x === 'string' && /^-?\d{1,16}$/.test(x)) return Number(x);
  if (typeof x === 'string' && ISO_INSTANT.test(x)) {
    const ms = Date.parse(x);
    if (Number.isFinite(ms)) return ms;
  }
  throw bad(`${field} must be an instant: epoch milliseconds or an ISO 8601 date-time with a zone, such as 2025-01-01T00:00:00Z`);
}

const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

/** A duration ≥ 0: milliseconds, or ISO 8601 in weeks, days, hours, minutes, seconds (`P1DT1S`, `PT4H`). */
export function duration(x: unknown, field: string): number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  if (typeof x === 'string') {
    const m = ISO_DURATION.exec(x);
    if (m && x !== 'P' && !x.endsWith('T')) {
      const [w, d, h, min, s] = m.slice(1).map((p) => (p === undefined ? 0 : Number(p)));
      return Math.round(((((w! * 7 + d!) * 24 + h!) * 60 + min!) * 60 + s!) * 1000);
    }
  }
  throw bad(`${field} must be a duration of at least 0: milliseconds or ISO 8601 such as PT4H1S or P1DT1S (no years or months)`);
}

/** A whole number within bounds (body numbers, or digits in a query). */
export function integer(x: unknown, field: string, min: number, max: number): number {
  const n = typeof x === 'string' && /^\d{1,16}$/.test(x) ? Number(x) : x;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max) return n;
  throw bad(`${field} must be a whole number from ${min} to ${max}`);
}

export function string(x: unknown, field: string): string {
  if (typeof x === 'string') return x;
  throw bad(`${field} must be a string`);
}
