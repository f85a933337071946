// CPython's `json.loads` for bytes, error messages included. Flask parses request bodies with it and PyJWT
// parses token headers and payloads with it; legacy clients see its messages ("Expecting ',' delimiter:
// line 1 column 15 (char 14)"), so the scanner follows CPython's C scanner (_json.c) step by step, with
// positions in code points. Values: dict → plain object, list → array, int/float → number (NaN, ±Infinity
// included), str → string (lone surrogates kept).
import { decodePyBytes } from './codecs.ts';

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };
export type PyJsonResult = { ok: true; value: PyValue } | { ok: false; error: string };

class DecodeError extends Error {
  constructor(
    readonly msg: string,
    readonly pos: number,
  ) {
    super(msg);
  }
}
class StopIteration extends Error {
  constructor(readonly pos: number) {
    super('StopIteration');
  }
}

/** Not a ValueError in CPython: neither PyJWT nor Flask catch it, so callers answer as the legacy crash did. */
export class PyRecursionError extends Error {}
const MAX_DEPTH = 990;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const HEX: Record<number, number> = {};
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;
for (let i = 10; i < 16; i++) HEX['ABCDEF'.charCodeAt(i - 10)] = i;
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

function scanner(s: number[]) {
  const len = s.length;
  const endIdx = len - 1;
  const skipWs = (i: number) => {
    while (i <= endIdx && WS.has(s[i]!)) i++;
    return i;
  };
  const matches = (i: number, word: string) => {
    for (let k = 0; k < word.length; k++) if (s[i + k] !== word.charCodeAt(k)) return false;
    return true;
  };

  function scanString(end: number): [string, number] {
    const begin = end - 1;
    let out = '';
    for (;;) {
      let next = end;
      let c = 0;
      for (; next < len; next++) {
        c = s[next]!;
        if (c === 0x22 || c === 0x5c) break;
        if (c <= 0x1f) throw new DecodeError('Invalid control character at', next);
      }
      if (next >= len || (c !== 0x22 && c !== 0x5c)) throw new DecodeError('Unterminated string starting at', begin);
      if (next !== end) out += String.fromCodePoint(...s.slice(end, next));
      next++;
      if (c === 0x22) return [out, next];
      if (next === len) throw new DecodeError('Unterminated string starting at', begin);
      c = s[next]!;
      if (c !== 0x75) {
        end = next + 1;
        const e = ESCAPES[c];
        if (e === undefined) throw new DecodeError('Invalid \\escape', end - 2);
        out += e;
        continue;
      }
      next++;
      end = next + 4;
      if (end >= len) throw new DecodeError('Invalid \\uXXXX escape', next - 1);
      let u = 0;
      for (; next < end; next++) {
        const d = HEX[s[next]!];
        if (d === undefined) throw new DecodeError('Invalid \\uXXXX escape', end - 5);
        u = (u << 4) | d;
      }
      if (u >= 0xd800 && u <= 0xdbff && end + 6 < len && s[next++] === 0x5c && s[next++] === 0x75) {
        let u2 = 0;
        end += 6;
        for (; next < end; next++) {
          const d = HEX[s[next]!];
          if (d === undefined) throw new DecodeError('Invalid \\uXXXX escape', end - 5);
          u2 = (u2 << 4) | d;
        }
        if (u2 >= 0xdc00 && u2 <= 0xdfff) u = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
        else end -= 6;
      }
      out += u > 0xffff ? String.fromCodePoint(u) : String.fromCharCode(u);
    }
  }

  function matchNumber(start: number): [number, number] {
    let idx = start;
    if (s[idx] === 0x2d) {
      idx++;
      if (idx > endIdx) throw new StopIteration(start);
    }
    const c = s[idx]!;
    if (c >= 0x31 && c <= 0x39) {
      idx++;
      while (idx <= endIdx && isDigit(s[idx])) idx++;
    } else if (c === 0x30) idx++;
    else throw new StopIteration(start);
    if (idx < endIdx && s[idx] === 0x2e && isDigit(s[idx + 1])) {
      idx += 2;
      while (idx <= endIdx && isDigit(s[idx])) idx++;
    }
    if (idx < endIdx && (s[idx] === 0x65 || s[idx] === 0x45)) {
      const eStart = idx;
      idx++;
      if (idx < endIdx && (s[idx] === 0x2d || s[idx] === 0x2b)) idx++;
      while (idx <= endIdx && isDigit(s[idx])) idx++;
      if (!isDigit(s[idx - 1])) idx = eStart;
    }
    return [Number(String.fromCharCode(...s.slice(start, idx))), idx];
  }

  // CPython's C scanner recurses per nesting level and fails with RecursionError near its limit of 1000.
  let depth = 0;
  const enter = () => {
    if (++depth > MAX_DEPTH) throw new PyRecursionError();
  };

  function parseObject(idx: number): [PyValue, number] {
    enter();
    const obj: Record<string, PyValue> = Object.create(null);
    idx = skipWs(idx);
    if (idx > endIdx || s[idx] !== 0x7d) {
      for (;;) {
        if (idx > endIdx || s[idx] !== 0x22) throw new DecodeError('Expecting property name enclosed in double quotes', idx);
        const [key, afterKey] = scanString(idx + 1);
        idx = skipWs(afterKey);
        if (idx > endIdx || s[idx] !== 0x3a) throw new DecodeError("Expecting ':' delimiter", idx);
        idx = skipWs(idx + 1);
        const [value, afterValue] = scanOnce(idx);
        obj[key] = value;
        idx = skipWs(afterValue);
        if (idx <= endIdx && s[idx] === 0x7d) break;
        if (idx > endIdx || s[idx] !== 0x2c) throw new DecodeError("Expecting ',' delimiter", idx);
        idx = skipWs(idx + 1);
      }
    }
    depth--;
    return [obj, idx + 1];
  }

  function parseArray(idx: number): [PyValue, number] {
    enter();
    const arr: PyValue[] = [];
    idx = skipWs(idx);
    if (idx > endIdx || s[idx] !== 0x5d) {
      for (;;) {
        const [value, afterValue] = scanOnce(idx);
        arr.push(value);
        idx = skipWs(afterValue);
        if (idx <= endIdx && s[idx] === 0x5d) break;
        if (idx > endIdx || s[idx] !== 0x2c) throw new DecodeError("Expecting ',' delimiter", idx);
        idx = skipWs(idx + 1);
      }
    }
    depth--;
    return [arr, idx + 1];
  }

  function scanOnce(idx: number): [PyValue, number] {
    if (idx >= len) throw new StopIteration(idx);
    switch (s[idx]) {
      case 0x22:
        return scanString(idx + 1);
      case 0x7b:
        return parseObject(idx + 1);
      case 0x5b:
        return parseArray(idx + 1);
      case 0x6e:
        if (idx + 3 < len && matches(idx, 'null')) return [null, idx + 4];
        break;
      case 0x74:
        if (idx + 3 < len && matches(idx, 'true')) return [true, idx + 4];
        break;
      case 0x66:
        if (idx + 4 < len && matches(idx, 'false')) return [false, idx + 5];
        break;
      case 0x4e:
        if (idx + 2 < len && matches(idx, 'NaN')) return [NaN, idx + 3];
        break;
      case 0x49:
        if (idx + 7 < len && matches(idx, 'Infinity')) return [Infinity, idx + 8];
        break;
      case 0x2d:
        if (idx + 8 < len && matches(idx, '-Infinity')) return [-Infinity, idx + 9];
        break;
    }
    return matchNumber(idx);
  }

  return { scanOnce, skipWs, len };
}

/** `str(JSONDecodeError)`: the message with line, column and char of a code-point position. */
function formatError(s: number[], msg: string, pos: number): string {
  let line = 1;
  let lastNewline = -1;
  for (let i = 0; i < pos && i < s.length; i++) {
    if (s[i] === 0x0a) {
      line++;
      lastNewline = i;
    }
  }
  return `${msg}: line ${line} column ${pos - lastNewline} (char ${pos})`;
}

/** json.loads(str). */
export function pyJsonLoadsText(text: string): PyJsonResult {
  if (text.startsWith('\ufeff')) return { ok: false, error: 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)' };
  return loadsDecoded(text);
}

function loadsDecoded(text: string): PyJsonResult {
  const s = Array.from(text, (ch) => ch.codePointAt(0)!);
  const sc = scanner(s);
  try {
    let value: PyValue;
    let end: number;
    try {
      [value, end] = sc.scanOnce(sc.skipWs(0));
    } catch (e) {
      if (e instanceof StopIteration) throw new DecodeError('Expecting value', e.pos);
      throw e;
    }
    end = sc.skipWs(end);
    if (end !== sc.len) throw new DecodeError('Extra data', end);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: formatError(s, e.msg, e.pos) };
    if (e instanceof StopIteration) return { ok: false, error: formatError(s, 'Expecting value', e.pos) };
    throw e; // RecursionError: CPython does not turn it into a decode error either

  }
}

/** json.loads(bytes): the encoding detected as CPython does, decode errors as its codec messages. */
export function pyJsonLoads(bytes: Uint8Array): PyJsonResult {
  const text = decodePyBytes(bytes);
  if (!text.ok) return { ok: false, error: text.error };
  return loadsDecoded(text.value);
}
