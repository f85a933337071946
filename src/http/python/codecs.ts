// bytes.decode(json.detect_encoding(b), 'surrogatepass') with CPython's UnicodeDecodeError texts.
export type Decoded = { ok: true; value: string } | { ok: false; error: string };

const isCont = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

function decodeError(codec: string, bytes: Uint8Array, start: number, end: number, reason: string, offset = 0): Decoded {
  const where =
    end - start === 1
      ? `byte 0x${bytes[start]!.toString(16).padStart(2, '0')} in position ${start + offset}`
      : `bytes in position ${start + offset}-${end - 1 + offset}`;
  return { ok: false, error: `'${codec}' codec can't decode ${where}: ${reason}` };
}

/** CPython's UTF-8 decoder (Objects/stringlib/codecs.h) with the surrogatepass handler. */
export function decodeUtf8(b: Uint8Array): Decoded {
  let out = '';
  const n = b.length;
  let i = 0;
  const bad = (start: number, end: number, reason: string) => decodeError('utf-8', b, start, end, reason);
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    if (c < 0xc2 || c > 0xf4) return bad(i, i + 1, 'invalid start byte');
    if (c < 0xe0) {
      if (i + 1 >= n) return bad(i, n, 'unexpected end of data');
      if (!isCont(b[i + 1])) return bad(i, i + 1, 'invalid continuation byte');
      out += String.fromCharCode(((c & 0x1f) << 6) | (b[i + 1]! & 0x3f));
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      const c2 = b[i + 1];
      // E0 needs A0..BF; ED A0..BF would be a surrogate, which surrogatepass lets through when complete.
      const c2ok = isCont(c2) && !(c === 0xe0 && c2! < 0xa0);
      const surrogate = c === 0xed && isCont(c2) && c2! >= 0xa0;
      if (i + 2 >= n) {
        if (i + 1 >= n) return bad(i, n, 'unexpected end of data');
        if (!c2ok || surrogate) return bad(i, i + 1, 'invalid continuation byte');
        return bad(i, n, 'unexpected end of data');
      }
      if (!c2ok) return bad(i, i + 1, 'invalid continuation byte');
      if (!isCont(b[i + 2])) return bad(i, surrogate ? i + 1 : i + 2, 'invalid continuation byte');
      out += String.fromCharCode(((c & 0x0f) << 12) | ((c2! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
      i += 3;
      continue;
    }
    const c2 = b[i + 1];
    const c2ok = isCont(c2) && !(c === 0xf0 && c2! < 0x90) && !(c === 0xf4 && c2! > 0x8f);
    if (i + 3 >= n) {
      if (i + 1 >= n) return bad(i, n, 'unexpected end of data');
      if (!c2ok) return bad(i, i + 1, 'invalid continuation byte');
      if (i + 2 < n && !isCont(b[i + 2])) return bad(i, i + 2, 'invalid continuation byte');
      return bad(i, n, 'unexpected end of data');
    }
    if (!c2ok) return bad(i, i + 1, 'invalid continuation byte');
    if (!isCont(b[i + 2])) return bad(i, i + 2, 'invalid continuation byte');
    if (!isCont(b[i + 3])) return bad(i, i + 3, 'invalid continuation byte');
    out += String.fromCodePoint(((c & 0x07) << 18) | ((c2! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f));
    i += 4;
  }
  return { ok: true, value: out };
}

/** `offset`: a BOM already dropped, which CPython's utf-16/utf-32 codecs still count in positions. */
function decodeUtf16(b: Uint8Array, littleEndian: boolean, codec: string, offset = 0): Decoded {
  let out = '';
  const n = b.length - (b.length % 2);
  for (let i = 0; i < n; i += 2) out += String.fromCharCode(littleEndian ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!);
  if (n !== b.length) return decodeError(codec, b, n, b.length, 'truncated data', offset);
  return { ok: true, value: out };
}

function decodeUtf32(b: Uint8Array, littleEndian: boolean, codec: string, offset = 0): Decoded {
  let out = '';
  const n = b.length - (b.length % 4);
  for (let i = 0; i < n; i += 4) {
    const v = littleEndian
      ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
      : ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    if (v > 0x10ffff) return decodeError(codec, b, i, i + 4, 'code point not in range(0x110000)', offset);
    out += String.fromCodePoint(v);
  }
  if (n !== b.length) return decodeError(codec, b, n, b.length, 'truncated data', offset);
  return { ok: true, value: out };
}

const startsWith = (b: Uint8Array, prefix: number[]) => prefix.every((x, i) => b[i] === x);

/** json.detect_encoding, then the decode, BOMs dropped as CPython's codecs drop them. */
export function decodePyBytes(b: Uint8Array): Decoded {
  if (startsWith(b, [0x00, 0x00, 0xfe, 0xff])) return decodeUtf32(b.subarray(4), false, 'utf-32-be', 4);
  if (startsWith(b, [0xff, 0xfe, 0x00, 0x00])) return decodeUtf32(b.subarray(4), true, 'utf-32-le', 4);
  if (startsWith(b, [0xfe, 0xff])) return decodeUtf16(b.subarray(2), false, 'utf-16-be', 2);
  if (startsWith(b, [0xff, 0xfe])) return decodeUtf16(b.subarray(2), true, 'utf-16-le', 2);
  if (startsWith(b, [0xef, 0xbb, 0xbf])) return decodeUtf8(b.subarray(3));
  if (b.length >= 4) {
    if (!b[0]) return b[1] ? decodeUtf16(b, false, 'utf-16-be') : decodeUtf32(b, false, 'utf-32-be');
    if (!b[1]) return b[2] || b[3] ? decodeUtf16(b, true, 'utf-16-le') : decodeUtf32(b, true, 'utf-32-le');
  } else if (b.length === 2) {
    if (!b[0]) return decodeUtf16(b, false, 'utf-16-be');
    if (!b[1]) return decodeUtf16(b, true, 'utf-16-le');
  }
  return decodeUtf8(b);
}
