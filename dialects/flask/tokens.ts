// Flask-JWT-Extended 4.7.1 on PyJWT 2.10.1: the token layout it writes, and every check it makes on the way in,
// in its order, with its messages and statuses (spec §4, §5).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { issueToken, tokenNowOf, type Clock, type Random } from '../../src/core/ports.ts';
import { signHs256 } from '../../src/http/jwt.ts';
import { pyBase64UrlDecode } from '../../src/http/python/base64.ts';
import { pyJsonLoads, PyRecursionError, type PyValue } from '../../src/http/python/json.ts';
import { isPyDict, PY_SPACE, pyInt, pySplit, pyStrip } from '../../src/http/python/values.ts';

export const ACCESS_TTL_S = 86_400;
export const REFRESH_TTL_S = 2_592_000;

export type TokenType = 'access' | 'refresh';

export interface FlaskClaims {
  fresh: boolean;
  iat: number;
  jti: string;
  type: TokenType;
  sub: string;
  nbf: number;
  csrf: string;
  exp: number;
}

/** A refusal: the library's status and `msg` (and an expired token's `exp`), or `crash` where the legacy server answered its HTML 500. */
export type Refusal = { status: 401 | 422; msg: string; exp?: number } | { crash: true };
export type Decoded = { ok: true; claims: Record<string, PyValue> } | { ok: false; refusal: Refusal };

const refuse = (status: 401 | 422, msg: string): Decoded => ({ ok: false, refusal: { status, msg } });
const crash: Decoded = { ok: false, refusal: { crash: true } };

const BEARER_SEPARATOR = new RegExp(`,[${PY_SPACE}]*`);

/** `_decode_jwt_from_headers`: the encoded token, or the library's refusal. */
export function tokenFromHeader(header: string | undefined): { ok: true; token: string } | { ok: false; refusal: Refusal } {
  const value = pyStrip(header ?? '').replace(/^,+|,+$/g, '');
  if (!value) return { ok: false, refusal: { status: 401, msg: 'Missing Authorization Header' } };
  const kept: string[] = [];
  for (const element of value.split(BEARER_SEPARATOR)) {
    const words = pySplit(element);
    if (words.length === 0) return { ok: false, refusal: { crash: true } }; // IndexError in 4.7.1
    if (words[0] === 'Bearer') kept.push(element);
  }
  if (kept.length !== 1) {
    return { ok: false, refusal: { status: 401, msg: "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'" } };
  }
  const parts = pySplit(kept[0]!);
  if (parts.length !== 2) return { ok: false, refusal: { status: 422, msg: "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'" } };
  return { ok: true, token: parts[1]! };
}

function loadJsonObject(bytes: Uint8Array, what: 'header' | 'payload'): { ok: true; value: Record<string, PyValue> } | { ok: false; refusal: Refusal } {
  let parsed;
  try {
    parsed = pyJsonLoads(bytes);
  } catch (e) {
    if (e instanceof PyRecursionError) return { ok: false, refusal: { crash: true } };
    throw e;
  }
  if (!parsed.ok) return { ok: false, refusal: { status: 422, msg: `Invalid ${what} string: ${parsed.error}` } };
  if (!isPyDict(parsed.value)) return { ok: false, refusal: { status: 422, msg: `Invalid ${what} string: must be a json object` } };
  return { ok: true, value: parsed.value };
}

/** PyJWT's claim checks, in its order (iat, nbf, exp, sub, jti); 'expired' is left to the caller. */
function validateClaims(p: Record<string, PyValue>, now: number, verifyExp: boolean): Decoded | 'expired' | null {
  const asInt = (claim: string, message: string) => {
    const r = pyInt(p[claim]);
    if (!r.ok) return r.error === 'value' ? refuse(422, message) : crash;
    return r.value;
  };
  if ('iat' in p) {
    const iat = asInt('iat', 'Issued At claim (iat) must be an integer.');
    if (typeof iat !== 'number') return iat;
    if (iat > now) return refuse(422, 'The token is not yet valid (iat)');
  }
  if ('nbf' in p) {
    const nbf = asInt('nbf', 'Not Before claim (nbf) must be an integer.');
    if (typeof nbf !== 'number') return nbf;
    if (nbf > now) return refuse(422, 'The token is not yet valid (nbf)');
  }
  if (verifyExp && 'exp' in p) {
    const exp = asInt('exp', 'Expiration Time claim (exp) must be an integer.');
    if (typeof exp !== 'number') return exp;
    if (exp <= now) return 'expired';
  }
  if ('sub' in p && typeof p.sub !== 'string') return refuse(422, 'Subject must be a string');
  if ('jti' in p && typeof p.jti !== 'string') return refuse(422, 'JWT ID must be a string');
  if (!('sub' in p)) return refuse(422, 'Missing claim: sub');
  return null;
}

export function createTokens(key: Uint8Array, clock: Clock, random: Random) {
  const signingKey = new Uint8Array(key);

  const MEMO_LIMIT = 10_000;
  // Tokens whose structure and signature were verified: only the time-based claims can change their fate.
  const verified = new Map<string, Record<string, PyValue>>();

  /** A refresh token's jti names its core session (a UUID, as Flask-JWT-Extended's jti always was). */
  function sign(sub: string, type: TokenType, jti = random.uuid()): string {
    return issueToken(clock, (stamp) => {
      const now = Math.floor(stamp / 1000);
      const claims: FlaskClaims = {
        fresh: false,
        iat: now,
        jti,
        type,
        sub,
        nbf: now,
        csrf: random.uuid(),
        exp: now + (type === 'access' ? ACCESS_TTL_S : REFRESH_TTL_S),
      };
      return signHs256(claims, signingKey);
    });
  }

  /** `jwt_required(refresh=…)` up to the type check; revocation is the caller's (it needs the core). */
  function decode(token: string, refresh: boolean): Decoded {
    const known = verified.get(token);
    return known ? checkClaims(token, known, refresh) : decodeFully(token, refresh);
  }

  function decodeFully(token: string, refresh: boolean): Decoded {
    const bytes = Buffer.from(token, 'utf8');
    const lastDot = bytes.lastIndexOf(0x2e);
    const firstDot = lastDot < 0 ? -1 : bytes.subarray(0, lastDot).indexOf(0x2e);
    if (firstDot < 0) return refuse(422, 'Not enough segments');
    const signingInput = bytes.subarray(0, lastDot);
    const headerData = pyBase64UrlDecode(bytes.subarray(0, firstDot));
    if (!headerData) return refuse(422, 'Invalid header padding');
    const header = loadJsonObject(headerData, 'header');
    if (!header.ok) return header;
    const payloadData = pyBase64UrlDecode(bytes.subarray(firstDot + 1, lastDot));
    if (!payloadData) return refuse(422, 'Invalid payload padding');
    const signature = pyBase64UrlDecode(bytes.subarray(lastDot + 1));
    if (!signature) return refuse(422, 'Invalid crypto padding');
    const payload = loadJsonObject(payloadData, 'payload');
    if (!payload.ok) return payload;
    const h = header.value;
    if ('kid' in h && typeof h.kid !== 'string') return refuse(422, 'Key ID header parameter must be a string');
    if (!('alg' in h)) return refuse(422, 'Algorithm not specified');
    if (h.alg !== 'HS256') return refuse(422, 'The specified alg value is not allowed');
    const expected = createHmac('sha256', signingKey).update(signingInput).digest();
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return refuse(422, 'Signature verification failed');

    if (verified.size >= MEMO_LIMIT) verified.clear();
    verified.set(token, payload.value);
    return checkClaims(token, payload.value, refresh);
  }

  function checkClaims(token: string, claims: Record<string, PyValue>, refresh: boolean): Decoded {
    const now = tokenNowOf(clock, token) / 1000;
    const first = validateClaims(claims, now, true);
    if (first === 'expired') {
      // The library decodes an expired token again without the expiry check; a failure there wins.
      const again = validateClaims(claims, now, false);
      if (again && again !== 'expired') return again;
      const exp = pyInt(claims.exp);
      return { ok: false, refusal: { status: 401, msg: 'Token has expired', ...(exp.ok && { exp: exp.value }) } };
    }
    if (first) return first;
    const type = 'type' in claims ? claims.type : 'access';
    if (refresh && type !== 'refresh') return refuse(422, 'Only refresh tokens are allowed');
    if (!refresh && type === 'refresh') return refuse(422, 'Only non-refresh tokens are allowed');
    return { ok: true, claims };
  }

  /** Forgets the verified tokens (a reset of the store, through the core's lifecycle). */
  const clear = () => verified.clear();

  return { sign, decode, clear };
}
export type Tokens = ReturnType<typeof createTokens>;
