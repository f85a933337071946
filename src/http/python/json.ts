// CPython's `json.loads` for bytes, error messages included. Flask parses request bodies with it and PyJWT
// parses token headers and payloads with it; legacy clients see its messages ("Expecting ',' delimiter:
// line 1 column 15 (char 14)"), so the scanner follows CPython's C scanner (_json.c) step by step, with
// positions in code points. Values: dict → null-prototype object, list → array, int/float → number (NaN,
// ±Infinity included), str → string (lone surrogates kept).
//
// The emulation walks the text code point by code point in JavaScript, 15 to 60 times slower than JSON.parse. So
// pyJsonLoads asks the native parser first and keeps its answer only where the two cannot differ (see
// nativeLoads); everything else (invalid input for the exact message, NaN/Infinity, lone surrogates, deep
// nesting, non-integer or unsafe numbers, `__proto__`, UTF-16/32, BOMs, surrogatepass bytes) goes to the emulation.
import { Worker } from 'node:worker_threads';
import { decodePyBytes } from './codecs.ts';
import { adoptTopLevel, topLevel } from './top-level.ts';

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

/** A ValueError that is no JSONDecodeError: its message is the whole error text, without a position. */
class PyValueError extends Error {}
const INT_MAX_STR_DIGITS = 4300;

/** Not a ValueError in CPython: neither PyJWT nor Flask catch it, so callers answer as the legacy crash did. */
export class PyRecursionError extends Error {}
const MAX_DEPTH = 990;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const HEX: Record<number, number> = {};
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;
for (let i = 10; i < 16; i++) HEX['ABCDEF'.charCodeAt(i - 10)] = i;
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/** The text as CPython indexes it (code points), and where each code point starts in the JS string. */
function codePoints(text: string): { s: Uint32Array; at: Uint32Array } {
  const s = new Uint32Array(text.length);
  const at = new Uint32Array(text.length + 1);
  let n = 0;
  for (let i = 0; i < text.length; n++) {
    const c = text.codePointAt(i)!; // a lone surrogate stays one code point, as in Array.from(text)
    s[n] = c;
    at[n] = i;
    i += c > 0xffff ? 2 : 1;
  }
  at[n] = text.length;
  return { s: s.subarray(0, n), at: at.subarray(0, n + 1) };
}

function scanner(text: string, s: Uint32Array, at: Uint32Array) {
  const len = s.length;
  /** Code points start..end as a string: a slice of the text, never built from a spread of code points. */
  const slice = (start: number, end: number) => text.slice(at[start], at[end]);
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
      if (next !== end) out += slice(end, next);
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
    const intEnd = idx;
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
    // An int goes through int(): CPython 3.11 refuses more than sys.get_int_max_str_digits() digits.
    const digits = intEnd - start - (s[start] === 0x2d ? 1 : 0);
    if (idx === intEnd && digits > INT_MAX_STR_DIGITS) {
      throw new PyValueError(
        `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
      );
    }
    return [Number(slice(start, idx)), idx];
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
function formatError(s: Uint32Array, msg: string, pos: number): string {
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
  return emulate(text);
}

/** The scanner over decoded text. Throws PyRecursionError past MAX_DEPTH, as CPython raises RecursionError. */
function emulate(text: string): PyJsonResult {
  const { s, at } = codePoints(text);
  const sc = scanner(text, s, at);
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
    if (e instanceof PyValueError) return { ok: false, error: e.message };
    throw e; // RecursionError: CPython does not turn it into a decode error either
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text when json.detect_encoding picks plain UTF-8 (first byte ASCII and not NUL, so no BOM; second byte
 * not NUL, so not UTF-16/32) and the bytes are well-formed UTF-8. That is exactly decodePyBytes's answer then:
 * surrogatepass only matters for encoded surrogates, which are not well-formed and land here as undefined.
 */
function plainUtf8(b: Uint8Array): string | undefined {
  if (b.length === 0 || b[0] === 0 || b[0]! >= 0x80 || b[1] === 0) return undefined;
  try {
    return UTF8.decode(b);
  } catch {
    return undefined;
  }
}

/** Text JSON.parse and the scanner could read differently: \uD800-\uDFFF escapes, and `__proto__` keys. */
const NOT_NATIVE = /\\u[dD][89a-fA-F]|__proto__/;

/**
 * Checked on the text, not on JSON.parse's value: a duplicate key hides its first value from the value, but CPython
 * still parses it, and refuses it when it is an int past 4300 digits or nests past its recursion limit.
 */
const HUGE_INT = new RegExp(`\\d{${INT_MAX_STR_DIGITS + 1}}`);

/** Does the text nest past MAX_DEPTH anywhere (brackets inside strings do not count)? Linear, only when it could. */
function nestsPastLimit(text: string): boolean {
  let opens = 0;
  for (let i = 0; i < text.length && opens <= MAX_DEPTH; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) opens++;
  }
  if (opens <= MAX_DEPTH) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * JSON.parse's value where it is the emulation's own, else undefined. JSON.parse accepts a subset of what the
 * scanner accepts (no NaN/Infinity, same whitespace, escapes, control-character rule and number grammar, the
 * last of duplicate keys kept at the first one's place), so on valid text they differ only in what is checked
 * here: objects get a null prototype as the scanner's do; nesting past MAX_DEPTH, numbers other than safe
 * integers (where a second parse of the digits would have to agree) and the text NOT_NATIVE matches are left
 * to the emulation.
 */
function nativeLoads(text: string): PyValue | undefined {
  if (NOT_NATIVE.test(text) || HUGE_INT.test(text) || nestsPastLimit(text)) return undefined;
  let value: PyValue;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return adopt(value, 1) ? value : undefined;
}

/** Whether a JSON.parse value passes nativeLoads's checks; its objects are given a null prototype on the way. */
function adopt(v: PyValue, depth: number): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v);
  if (v === null || typeof v !== 'object') return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (const item of v) if (!adopt(item, depth + 1)) return false;
    return true;
  }
  Object.setPrototypeOf(v, null);
  for (const key in v) if (!adopt(v[key]!, depth + 1)) return false;
  return true;
}

/** json.loads(bytes): the encoding detected as CPython does, decode errors as its codec messages. */
export function pyJsonLoads(bytes: Uint8Array): PyJsonResult {
  const text = plainUtf8(bytes);
  if (text === undefined) return pyJsonLoadsEmulated(bytes);
  const value = nativeLoads(text);
  return value !== undefined ? { ok: true, value } : emulate(text);
}

/** The fast path alone: JSON.parse's value where pyJsonLoads keeps it, undefined where the emulation answers. */
export function pyJsonLoadsNative(bytes: Uint8Array): PyValue | undefined {
  const text = plainUtf8(bytes);
  return text === undefined ? undefined : nativeLoads(text);
}

/** json.loads(bytes) by the emulation alone: what pyJsonLoads must always agree with (tests, bench). */
export function pyJsonLoadsEmulated(bytes: Uint8Array): PyJsonResult {
  const text = decodePyBytes(bytes);
  if (!text.ok) return { ok: false, error: text.error };
  return emulate(text.value);
}

/** Inputs from this size on are parsed off the event loop. */
const BIG_INPUT_BYTES = 64 * 1024;

type Reply = { id: number; result?: PyJsonResult; recursion?: boolean };
let worker: Worker | null | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: PyJsonResult) => void; reject: (e: unknown) => void }>();

/**
 * The worker's module: compiled, it is the `.js` beside this one; from TypeScript sources, a worker does not inherit
 * the process's loader hooks, so it registers tsx's before importing the `.ts`.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./json-worker.js', import.meta.url));
  const entry = JSON.stringify(new URL('./json-worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((t) => { t.register(); return import(${entry}); })`, { eval: true });
}

/** One worker thread, started on first use; null when it cannot run here (then parsing stays inline). */
function parser(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = startWorker();
    worker.unref();
    worker.on('message', ({ id, result, recursion }: Reply) => {
      const w = waiting.get(id);
      waiting.delete(id);
      if (!w) return;
      if (result) w.resolve(result.ok ? { ok: true, value: adoptTopLevel(result.value) } : result);
      else w.reject(recursion ? new PyRecursionError() : new Error('json worker failed'));
    });
    // A worker that cannot start (no TypeScript loader in this process) or dies: inline from then on.
    const started = worker;
    const retire = () => {
      if (worker === started) worker = null;
      for (const w of waiting.values()) w.reject(new Error('json worker stopped'));
      waiting.clear();
    };
    worker.on('error', retire);
    worker.on('exit', retire);
  } catch {
    worker = null;
  }
  return worker;
}

/** Stops the worker thread (at shutdown); a later big body starts a new one. */
export async function closeJsonWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

/**
 * pyJsonLoads for request bodies whose handler reads only the top level (flask's views): a big body is parsed on a
 * worker thread, so a flood of megabyte bodies never blocks the event loop every listener shares; the value comes
 * back as `topLevel` gives it, as does every body parsed inline (small ones, or where no worker can run).
 */
export async function pyJsonLoadsTopLevel(bytes: Uint8Array): Promise<PyJsonResult> {
  const inline = (): PyJsonResult => {
    const r = pyJsonLoads(bytes);
    return r.ok ? { ok: true, value: topLevel(r.value) } : r;
  };
  const w = bytes.length >= BIG_INPUT_BYTES ? parser() : null;
  if (!w) return inline();
  const id = nextId++;
  try {
    return await new Promise<PyJsonResult>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.postMessage({ id, bytes });
    });
  } catch (e) {
    if (e instanceof PyRecursionError) throw e;
    return inline();
  }
}
