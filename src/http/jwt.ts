// Synchronous HS256 verification. jose verifies through WebCrypto, which hops to the thread pool on
// every call (≈200 µs of latency per request here); HMAC over a few hundred bytes is cheaper done inline.
// The failure reasons follow PyJWT's order, so each dialect can map them to its legacy messages.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtFailure =
  | 'segments' // not three dot-separated segments
  | 'header' // header not base64url JSON object
  | 'payload' // payload not base64url JSON object
  | 'signature_encoding'
  | 'algorithm' // alg other than HS256 (none included)
  | 'signature'
  | 'claims' // exp/nbf present but not numbers
  | 'expired'
  | 'immature';

export type JwtResult = { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> } | { ok: false; failure: JwtFailure };

export const B64URL = /^[A-Za-z0-9_-]*$/;

/** A base64url JWT segment holding a JSON object, or null. */
export function decodeJsonObject(segment: string): Record<string, unknown> | null {
  if (!B64URL.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The `exp` claim (seconds) of a token's payload, if it has a numeric one; for telling when a refused token expired. */
export function expOf(token: string): number | undefined {
  const payload = decodeJsonObject(token.split('.')[1] ?? '');
  return typeof payload?.exp === 'number' ? payload.exp : undefined;
}

export function verifyHs256(token: string, key: Uint8Array, nowMs: number): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, failure: 'segments' };
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJsonObject(h);
  if (!header) return { ok: false, failure: 'header' };
  const payload = decodeJsonObject(p);
  if (!payload) return { ok: false, failure: 'payload' };
  if (!B64URL.test(s)) return { ok: false, failure: 'signature_encoding' };
  if (header.alg !== 'HS256') return { ok: false, failure: 'algorithm' };
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, failure: 'signature' };
  const now = nowMs / 1000;
  for (const claim of ['exp', 'nbf'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'number') return { ok: false, failure: 'claims' };
  }
  if (typeof payload.exp === 'number' && payload.exp <= now) return { ok: false, failure: 'expired' };
  if (typeof payload.nbf === 'number' && payload.nbf > now) return { ok: false, failure: 'immature' };
  return { ok: true, header, payload };
}

const MEMO_LIMIT = 10_000;

/**
 * verifyHs256 for one key, remembering tokens that verified: their header, payload and signature cannot
 * change, so a repeat costs a map lookup. Expiry is still checked on every call. Failures are not kept.
 * `clear()` forgets them (a reset of the store, through the core's lifecycle).
 */
export function createHs256Verifier(key: Uint8Array) {
  const memo = new Map<string, { header: Record<string, unknown>; payload: Record<string, unknown> }>();
  const verify = (token: string, nowMs: number): JwtResult => {
    const hit = memo.get(token);
    if (hit) {
      const { exp, nbf } = hit.payload as { exp?: number; nbf?: number };
      if (exp !== undefined && exp <= nowMs / 1000) return { ok: false, failure: 'expired' };
      if (nbf !== undefined && nbf > nowMs / 1000) return { ok: false, failure: 'immature' };
      return { ok: true, ...hit };
    }
    const r = verifyHs256(token, key, nowMs);
    if (r.ok) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(token, { header: r.header, payload: r.payload });
    }
    return r;
  };
  return Object.assign(verify, { clear: () => memo.clear() });
}

const HS256_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/** JSON as PyJWT writes claims: compact, insertion order, every non-ASCII character escaped (ensure_ascii). */
export const asciiJson = (v: unknown) =>
  JSON.stringify(v).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * PyJWT's encode for HS256: header `{"alg":"HS256","typ":"JWT"}`, the claims in their insertion order.
 * Synchronous: jose signs through WebCrypto, which imports the key and hops to the thread pool per token
 * (measured as the largest cost of the flask refresh route). The tests check it against jose.
 */
export function signHs256(claims: object, key: Uint8Array): string {
  const input = `${HS256_HEADER}.${Buffer.from(asciiJson(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
