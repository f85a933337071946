// Generated inputs for CPython's json.loads(bytes): valid documents in every shape the emulation cares about,
// and the ways they break. Shared by the fast-path agreement test and test/python/compare.ts (against CPython).
// Deterministic for a given seed. Nesting depths keep clear of CPython's recursion limit (~1000), where the
// emulation's MAX_DEPTH is only an approximation.

export interface CorpusCase {
  kind: string;
  bytes: Uint8Array;
}

/** mulberry32: a seeded corpus (or fuzz) is reproducible. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

const WS = ['', '', '', ' ', '\n', '\t', '\r\n', '  '];
const STRING_PIECES = [
  'a', 'username', 'x y', '中文', '登录', 'é', '\u00ff', '\u007f', '\u2028', '\u2029', '😀', '🦊', '\ufeff', '\uffff',
  '\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u0041', '\\u00e9', '\\u00E9', '\\u4e2d', '\\u0000', '\\u001f',
  '\\ufeff', '\\uFFFF', '\\ud83d\\ude00', '\\uD83E\\uDD8A', '\\ud800', '\\udc00', '\\udbff\\udfff', '\\ud800\\u0041',
  '\\ud800\\ud800', '\\udc00\\ud800', '\\ud800x', "'", '<', '&', '__proto__', 'constructor', 'toString',
];
const KEYS = ['username', 'password', 'email', 'a', 'b', '', '0', '1', '10', '-1', '01', '4294967294', '4294967295', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '中', 'alg', 'sub', 'iat'];
const NUMBERS = [
  '0', '-0', '1', '-1', '0.0', '-0.0', '1.0', '1e2', '1E2', '1e+2', '1e-2', '0e0', '-0e-0', '1.5', '0.1', '3.14159',
  '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740991', '-9007199254740993',
  '12345678901234567890', '123456789012345678901234567890', '1e308', '1e309', '-1e309', '1.7976931348623157e308',
  '1.7976931348623158e308', '1.7976931348623159e308', '2.2250738585072014e-308', '5e-324', '4.9e-324', '2.4703282292062327e-324',
  '2.4703282292062328e-324', '1e-400', '0.30000000000000004', '100000000000000000000000', '1.00000000000000011102230246251565404236316680908203125',
  '9007199254740993.0', '1e22', '1e23', '4503599627370496.5', '4503599627370497.5', '2147483648', '4294967296',
];
const PY_LITERALS = ['NaN', 'Infinity', '-Infinity'];

function randomNumber(r: Rng): string {
  if (r.chance(0.4)) return r.pick(NUMBERS);
  let n = r.chance(0.3) ? '-' : '';
  n += r.chance(0.2) ? '0' : String(r.int(1, 9)) + Array.from({ length: r.int(0, r.pick([3, 8, 16, 25])) }, () => r.int(0, 9)).join('');
  if (r.chance(0.35)) n += '.' + Array.from({ length: r.int(1, r.pick([2, 8, 20])) }, () => r.int(0, 9)).join('');
  if (r.chance(0.25)) n += r.pick(['e', 'E']) + r.pick(['', '+', '-']) + String(r.int(0, r.pick([9, 30, 330])));
  return n;
}

function randomString(r: Rng, pieces = STRING_PIECES): string {
  let s = '"';
  const n = r.int(0, 6);
  for (let i = 0; i < n; i++) s += r.chance(0.5) ? r.pick(pieces) : String.fromCharCode(r.int(0x20, 0x7e)).replace(/["\\]/, 'q');
  return s + '"';
}

const ws = (r: Rng) => r.pick(WS);

/** A document as text; `py` allows NaN/Infinity, which only CPython reads. */
function randomValue(r: Rng, depth: number, py: boolean): string {
  const roll = r.int(0, depth > 4 ? 5 : 8);
  switch (roll) {
    case 0:
      return r.pick(['true', 'false', 'null']);
    case 1:
    case 2:
      return py && r.chance(0.15) ? r.pick(PY_LITERALS) : randomNumber(r);
    case 3:
    case 4:
    case 5:
      return randomString(r);
    case 6:
    case 7: {
      const n = r.int(0, 5);
      const items = Array.from({ length: n }, () => ws(r) + randomValue(r, depth + 1, py) + ws(r));
      return '[' + (items.join(',') || ws(r)) + ']';
    }
    default: {
      const n = r.int(0, 5);
      const items = Array.from({ length: n }, () => {
        const key = r.chance(0.6) ? JSON.stringify(r.pick(KEYS)) : randomString(r);
        return ws(r) + key + ws(r) + ':' + ws(r) + randomValue(r, depth + 1, py) + ws(r);
      });
      return '{' + (items.join(',') || ws(r)) + '}';
    }
  }
}

const BREAKERS = [',', ':', '"', '\\', '{', '}', '[', ']', '0', '-', '.', 'e', 'x', 'n', 't', 'N', 'I', ' ', '\n', '\t', '\x00', '\x01', '\x1f', '\x7f', 'é', '😀', ',]', ',}', '"a":', '//', "'"];

function mutate(r: Rng, text: string): string {
  const cps = Array.from(text);
  const at = r.int(0, cps.length);
  switch (r.int(0, 5)) {
    case 0:
      cps.splice(at, 1);
      break;
    case 1:
      cps.splice(at, 0, r.pick(BREAKERS));
      break;
    case 2:
      cps.splice(at, 1, r.pick(BREAKERS));
      break;
    case 3:
      cps.length = Math.min(at, cps.length);
      break;
    case 4:
      cps.push(r.pick([' x', ',', ']', '}', '\n{}', ' 1', '"', '\n\nx']));
      break;
    default:
      cps.unshift(r.pick([' ', '\n', 'x', ',', '\ufeff', '\x00']));
  }
  return cps.join('');
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function utf16(text: string, littleEndian: boolean): Uint8Array {
  const b = Buffer.from(text, 'utf16le');
  if (!littleEndian) b.swap16();
  return new Uint8Array(b);
}

function utf32(text: string, littleEndian: boolean): Uint8Array {
  const cps = Array.from(text, (ch) => ch.codePointAt(0)!);
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => (littleEndian ? b.writeUInt32LE(cp, i * 4) : b.writeUInt32BE(cp, i * 4)));
  return new Uint8Array(b);
}

const concat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

/** Raw byte sequences CPython's surrogatepass UTF-8 decoder accepts or refuses. */
const RAW_BYTES = [
  [0xed, 0xa0, 0x80], [0xed, 0xb0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], [0xed, 0xa0], [0xed, 0x9f, 0xbf],
  [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xe0, 0x80, 0x80], [0xe0, 0xa0], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5],
  [0xff], [0xfe], [0x80], [0xbf], [0xe4, 0xb8], [0xe4, 0xb8, 0x41], [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80], [0xc3, 0xa9],
];

function encoded(r: Rng, text: string): Uint8Array {
  switch (r.int(0, 9)) {
    case 0:
      return utf16(text, true);
    case 1:
      return utf16(text, false);
    case 2:
      return concat([0xff, 0xfe], utf16(text, true));
    case 3:
      return concat([0xfe, 0xff], utf16(text, false));
    case 4:
      return utf32(text, true);
    case 5:
      return utf32(text, false);
    case 6:
      return concat(r.pick([[0xff, 0xfe, 0, 0], [0, 0, 0xfe, 0xff]]), utf32(text, r.chance(0.5)));
    case 7:
      return concat([0xef, 0xbb, 0xbf], utf8(text));
    case 8: {
      const b = r.pick([utf16(text, r.chance(0.5)), utf32(text, r.chance(0.5))]);
      return b.subarray(0, Math.max(0, b.length - r.int(1, 3)));
    }
    default:
      return utf32(text, r.chance(0.5)).map((x, i) => (i % 4 === 2 && r.chance(0.05) ? 0x11 : x));
  }
}

/** Raw bytes spliced into a string of a valid document (surrogatepass) or anywhere. */
function rawBytes(r: Rng, text: string): Uint8Array {
  const b = utf8(text);
  const quote = b.indexOf(0x22);
  const at = quote >= 0 && r.chance(0.7) ? quote + 1 : r.int(0, b.length);
  return concat(b.subarray(0, at), r.pick(RAW_BYTES), b.subarray(at));
}

function nested(r: Rng): string {
  const depth = r.chance(0.7) ? r.int(1, 900) : r.int(1100, 3000);
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (r.chance(0.5)) {
      open += '[';
      close = ']' + close;
    } else {
      open += '{"k":';
      close = '}' + close;
    }
  }
  const text = open + randomValue(r, 5, false) + close;
  return r.chance(0.3) ? mutate(r, text) : text;
}

function huge(r: Rng): string {
  switch (r.int(0, 7)) {
    case 0:
      return JSON.stringify({ username: 'a'.repeat(125_000), password: 'x' });
    case 1:
      return '"' + 'é中😀'.repeat(r.int(1000, 40_000)) + '"';
    case 2:
      return '[' + '1'.repeat(r.pick([4300, 4301, 5000, 200_000])) + ']';
    case 3:
      return r.pick(['-', '']) + '1'.repeat(r.pick([4300, 4301, 100_000])) + r.pick(['.5', 'e5', '', '.0e-2']);
    case 4:
      return '[' + Array.from({ length: r.int(1000, 30_000) }, (_, i) => `{"k${i}":"v${i}","n":${i}}`).join(',') + ']';
    case 5:
      return '"' + 'a'.repeat(r.int(10_000, 200_000)) + (r.chance(0.5) ? '' : '\\x') + '"';
    case 6:
      return '"' + '\\u00e9'.repeat(r.int(1000, 20_000)) + '\\ud800"';
    default:
      return '{"a":"' + 'b'.repeat(r.int(10_000, 100_000)) + '"' + r.pick(['', ',', ' x', '}']);
  }
}

function tiny(r: Rng): Uint8Array {
  const alphabet = [0x20, 0x0a, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x31, 0x2d, 0x2e, 0x65, 0x6e, 0x75, 0x00, 0xff, 0xfe, 0xef, 0xbb, 0xbf, 0xed, 0xa0, 0x80];
  return new Uint8Array(Array.from({ length: r.int(0, 6) }, () => r.pick(alphabet)));
}

/** `n` cases: roughly half valid, the rest broken in the ways above; a few hundred kilobytes to megabytes apart. */
export function jsonCorpus(n: number, seed = 1, opts: { huge?: boolean } = {}): CorpusCase[] {
  const r = rng(seed);
  const out: CorpusCase[] = [];
  const kinds: [string, number, () => Uint8Array][] = [
    ['valid', 30, () => utf8(ws(r) + randomValue(r, 0, false) + ws(r))],
    ['python literals', 6, () => utf8(randomValue(r, 0, true))],
    ['number', 8, () => utf8(r.chance(0.5) ? randomNumber(r) : '[' + Array.from({ length: r.int(1, 6) }, () => randomNumber(r)).join(',') + ']')],
    ['keys', 6, () => utf8('{' + Array.from({ length: r.int(1, 6) }, () => `${JSON.stringify(r.pick(KEYS))}:${randomValue(r, 3, false)}`).join(',') + '}')],
    ['mutated', 25, () => utf8(mutate(r, randomValue(r, 0, r.chance(0.2))))],
    ['encoded', 10, () => encoded(r, r.chance(0.7) ? randomValue(r, 0, true) : mutate(r, randomValue(r, 0, false)))],
    ['raw bytes', 6, () => rawBytes(r, randomValue(r, 2, false))],
    ['nested', 2, () => utf8(nested(r))],
    ['tiny', 5, () => tiny(r)],
    ['huge', opts.huge === false ? 0 : 0.3, () => utf8(huge(r))],
  ];
  const total = kinds.reduce((sum, k) => sum + k[1], 0);
  for (let i = 0; i < n; i++) {
    let roll = (r.int(0, 1_000_000) / 1_000_001) * total;
    const kind = kinds.find((k) => (roll -= k[1]) < 0) ?? kinds[0]!;
    out.push({ kind: kind[0], bytes: kind[2]() });
  }
  return out;
}
