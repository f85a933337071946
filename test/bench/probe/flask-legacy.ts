// Which flask 500 pages are the legacy server's own crashes? An independent reading of the legacy rules
// (docs/compat-flask.md, fixtures/golden/flask.json, fixtures/golden/flask-tokens.json), written from the
// documents, not from the dialect's code: CPython's json.loads(bytes) (encoding detection, surrogatepass,
// NaN/Infinity, duplicate keys, the 4300-digit int limit, recursion from 990 levels) and the login/register
// view's first steps, and Flask-JWT-Extended 4.7.1's header split and PyJWT's int() of time claims.
import { createHmac } from 'node:crypto';

export type Py = null | boolean | number | bigint | string | Py[] | { [k: string]: Py };
export type Verdict = { legacy: true; source: 'compat-flask.md' | 'golden' | 'dialect code comment'; why: string } | { legacy: false; why: string };

class Deep extends Error {}
class Bad extends Error {}

const RECURSION_AT = 990; // docs/compat-flask.md: "the 500 page from 990 levels on"

/** bytes.decode(json.detect_encoding(b), 'surrogatepass'), or null (UnicodeDecodeError). */
export function pyDecode(b: Uint8Array): string | null {
  const starts = (...xs: number[]) => xs.every((x, i) => b[i] === x);
  if (starts(0x00, 0x00, 0xfe, 0xff)) return utf32(b.subarray(4), false);
  if (starts(0xff, 0xfe, 0x00, 0x00)) return utf32(b.subarray(4), true);
  if (starts(0xfe, 0xff)) return utf16(b.subarray(2), false);
  if (starts(0xff, 0xfe)) return utf16(b.subarray(2), true);
  if (starts(0xef, 0xbb, 0xbf)) return utf8(b.subarray(3));
  if (b.length >= 4) {
    if (!b[0]) return b[1] ? utf16(b, false) : utf32(b, false);
    if (!b[1]) return b[2] || b[3] ? utf16(b, true) : utf32(b, true);
  } else if (b.length === 2) {
    if (!b[0]) return utf16(b, false);
    if (!b[1]) return utf16(b, true);
  }
  return utf8(b);
}

function utf16(b: Uint8Array, le: boolean): string | null {
  if (b.length % 2) return null;
  let s = '';
  for (let i = 0; i < b.length; i += 2) s += String.fromCharCode(le ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!);
  return s;
}

function utf32(b: Uint8Array, le: boolean): string | null {
  if (b.length % 4) return null;
  let s = '';
  for (let i = 0; i < b.length; i += 4) {
    const cp = le ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0 : ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    if (cp > 0x10ffff) return null;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** UTF-8 with surrogatepass: encoded surrogates (ED A0..BF xx) decode to lone surrogates; anything else invalid fails. */
function utf8(b: Uint8Array): string | null {
  let s = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
      continue;
    }
    let n: number;
    let cp: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [n, cp, min] = [1, c & 0x1f, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, cp, min] = [2, c & 0x0f, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, cp, min] = [3, c & 0x07, 0x10000];
    else return null;
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff) return null;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

/** json.loads(str) with CPython's rules; throws Bad (JSONDecodeError / ValueError) or Deep (RecursionError). */
export function pyParse(s: string): Py {
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const value = (depth: number): Py => {
    ws();
    const ch = s[i];
    if (ch === '{' || ch === '[') {
      if (depth + 1 >= RECURSION_AT) throw new Deep();
      i++;
      if (ch === '[') {
        const out: Py[] = [];
        ws();
        if (s[i] === ']') {
          i++;
          return out;
        }
        for (;;) {
          out.push(value(depth + 1));
          ws();
          if (s[i] === ',') i++;
          else if (s[i] === ']') {
            i++;
            return out;
          } else throw new Bad();
        }
      }
      const out: { [k: string]: Py } = Object.create(null);
      ws();
      if (s[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') throw new Bad();
        const k = str();
        ws();
        if (s[i] !== ':') throw new Bad();
        i++;
        out[k] = value(depth + 1);
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') {
          i++;
          return out;
        } else throw new Bad();
      }
    }
    if (ch === '"') return str();
    for (const [lit, v] of [['null', null], ['true', true], ['false', false], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (s.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    const m = /^(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(i, i + 100_000));
    if (!m) throw new Bad();
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      if (m[1]!.replace('-', '').length > 4300) throw new Bad(); // int max str digits: ValueError
      return BigInt(m[1]!);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      const ch = s[i];
      if (ch === undefined) throw new Bad();
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch.charCodeAt(0) < 0x20) throw new Bad();
      if (ch === '\\') {
        const e = s[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
          i += 6;
        } else throw new Bad();
        continue;
      }
      out += ch;
      i++;
    }
  };
  if (s.startsWith('\ufeff')) throw new Bad(); // "Unexpected UTF-8 BOM"
  const v = value(0);
  ws();
  if (i !== s.length) throw new Bad();
  return v;
}

export type Loaded = { kind: 'ok'; value: Py } | { kind: 'bad' } | { kind: 'deep' };
export function pyLoads(b: Uint8Array): Loaded {
  const text = pyDecode(b);
  if (text === null) return { kind: 'bad' };
  try {
    return { kind: 'ok', value: pyParse(text) };
  } catch (e) {
    if (e instanceof Deep) return { kind: 'deep' };
    if (e instanceof Bad || e instanceof RangeError) return { kind: 'bad' };
    throw e;
  }
}

const isDict = (v: Py): v is { [k: string]: Py } => v !== null && typeof v === 'object' && !Array.isArray(v);
export function truthy(v: Py | undefined): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === 'number') return v !== 0; // NaN is truthy
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const USER_ATTRIBUTES = new Set(['user_id', 'username', 'password', 'email', 'phone', 'faceInfo', 'status', 'last_login', 'created_at', 'updated_at', 'name', 'gender', 'department', 'work_years', 'contact_info']);

/** A 500 from flask /login or /register: the legacy view's crash, or not? */
export function classifyBody500(route: 'login' | 'register', contentType: string | undefined, body: Buffer | undefined): Verdict {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const jsonType = media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
  if (!jsonType) return { legacy: false, why: `a ${media || 'missing'} content type is Flask's 415, never a 500` };
  const loaded = pyLoads(body ?? Buffer.alloc(0));
  if (loaded.kind === 'deep') return { legacy: true, source: 'compat-flask.md', why: `JSON nesting ≥ ${RECURSION_AT} (RecursionError)` };
  if (loaded.kind === 'bad') return { legacy: false, why: 'json.loads refuses this body: Flask answers 400, not 500' };
  const data = loaded.value;
  if (!truthy(data)) return { legacy: false, why: 'an empty/falsy body is the business failure 用户名密码不能为空' };
  if (!isDict(data)) return { legacy: true, source: 'golden', why: `a truthy non-object body (${Array.isArray(data) ? 'list' : typeof data}) crashed the view (golden "login: a list crashed…")` };
  if (!truthy(data.username) || !truthy(data.password)) return { legacy: false, why: 'an empty username/password is the business failure' };
  const unknown = Object.keys(data).filter((k) => !USER_ATTRIBUTES.has(k));
  if (unknown.length) return { legacy: true, source: 'golden', why: `key(s) the User model lacks: ${JSON.stringify(unknown.slice(0, 3))} (User(**data) TypeError; golden "an unknown key crashed…")` };
  if (typeof data.password !== 'string') return { legacy: true, source: 'golden', why: `a non-string password (${kind(data.password as Py)}) (golden "a numeric password crashed…", "NaN is a truthy password")` };
  const u = data.username!;
  if (route === 'login') {
    if (typeof u === 'object') return { legacy: true, source: 'golden', why: `a ${Array.isArray(u) ? 'list' : 'dict'} username on login (golden "an object username crashed…")` };
    if (typeof u !== 'string') return { legacy: false, why: `a ${kind(u)} username on login is 登录失败 (compat-flask.md), not 500` };
    return { legacy: false, why: 'a well-formed login body' };
  }
  if (typeof u !== 'string') return { legacy: true, source: 'compat-flask.md', why: `a non-string username on register (${kind(u)})` };
  const email = truthy(data.email) ? data.email : null;
  if (email !== null && typeof email !== 'string') return { legacy: true, source: 'dialect code comment', why: `a truthy non-string email on register (${kind(email as Py)}): not in compat-flask.md nor the golden file` };
  return { legacy: false, why: 'a well-formed register body' };
}

const kind = (v: Py): string => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'bigint' ? 'int' : typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'float' : 'inf') : typeof v === 'object' ? 'dict' : typeof v);

const PY_WS = /[\s\u001c-\u001f\u0085]/; // str.split()/strip() whitespace, near enough
const pyWords = (s: string) => s.split(/[\s\u001c-\u001f\u0085]+/).filter(Boolean);

/** PyJWT's non-strict base64 (a2b_base64): characters outside the alphabet are skipped. */
function lenientB64(seg: string): Buffer {
  const clean = seg.replace(/-/g, '+').replace(/_/g, '/').replace(/[^A-Za-z0-9+/]/g, '');
  return Buffer.from(clean, 'base64');
}

/** A 500 from flask /refresh: Flask-JWT-Extended 4.7.1's or PyJWT's own crash, or not? */
export function classifyRefresh500(authorization: string | string[] | undefined, key: Buffer): Verdict {
  const header = Array.isArray(authorization) ? authorization.join(', ') : (authorization ?? '');
  let value = header.replace(/^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/g, '').replace(/^,+|,+$/g, '');
  if (!value) return { legacy: false, why: 'no Authorization header is a 401' };
  const elements = value.split(/,[\s\u001c-\u001f\u0085]*/);
  if (elements.some((e) => pyWords(e).length === 0)) return { legacy: true, source: 'golden', why: 'an empty element in the Authorization header (4.7.1 IndexError; golden flask-tokens "an empty element…")' };
  const bearers = elements.filter((e) => pyWords(e)[0] === 'Bearer');
  if (bearers.length !== 1) return { legacy: false, why: 'no single Bearer element is a 401' };
  const parts = pyWords(bearers[0]!);
  if (parts.length !== 2) return { legacy: false, why: 'a bad Bearer element is a 422' };
  const token = parts[1]!;
  const lastDot = token.lastIndexOf('.');
  const firstDot = lastDot < 0 ? -1 : token.slice(0, lastDot).indexOf('.');
  if (firstDot < 0) return { legacy: false, why: 'Not enough segments is a 422' };
  const h = pyLoads(lenientB64(token.slice(0, firstDot)));
  if (h.kind === 'deep') return { legacy: true, source: 'compat-flask.md', why: `token header JSON nesting ≥ ${RECURSION_AT}` };
  const p = pyLoads(lenientB64(token.slice(firstDot + 1, lastDot)));
  if (h.kind === 'ok' && p.kind === 'deep') return { legacy: true, source: 'compat-flask.md', why: `token payload JSON nesting ≥ ${RECURSION_AT}` };
  if (h.kind !== 'ok' || p.kind !== 'ok' || !isDict(p.value) || !isDict(h.value)) return { legacy: false, why: 'a malformed token is a 422' };
  if (h.value.alg !== 'HS256') return { legacy: false, why: 'a foreign alg is a 422' };
  const mac = createHmac('sha256', key).update(token.slice(0, lastDot)).digest();
  if (!lenientB64(token.slice(lastDot + 1)).equals(mac)) return { legacy: false, why: 'a bad signature is a 422' };
  const now = Date.now() / 1000;
  for (const claim of ['iat', 'nbf', 'exp']) {
    if (!(claim in p.value)) continue;
    const v = p.value[claim]!;
    if (v === null || typeof v === 'object') return { legacy: true, source: 'golden', why: `int(${claim}=${kind(v)}) TypeError (golden flask-tokens "iat null", "nbf a list")` };
    if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v)) return { legacy: true, source: 'golden', why: `int(${claim}=inf) OverflowError (PyJWT catches only ValueError)` };
    if (typeof v === 'number' && Number.isNaN(v)) break; // ValueError: 422
    if (typeof v === 'string' && !/^\s*[+-]?\d+(_\d+)*\s*$/.test(v)) break; // ValueError: 422
    const n = typeof v === 'boolean' ? Number(v) : Number(typeof v === 'string' ? v.replace(/_/g, '') : v);
    if (claim !== 'exp' && n > now) break; // not yet valid: 422
  }
  void PY_WS;
  return { legacy: false, why: 'a well-signed token with convertible time claims' };
}
