// PyJWT's base64url_decode: pad to a multiple of 4 by byte length, then CPython's non-strict
// binascii.a2b_base64, which skips characters outside the alphabet and stops at a complete pad.
// `null` is the binascii.Error PyJWT reports as "Invalid … padding".
const TABLE = new Int8Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((ch, i) => (TABLE[ch.charCodeAt(0)] = i));
const PAD = 0x3d;

export function pyBase64UrlDecode(segment: Uint8Array): Uint8Array | null {
  const rem = segment.length % 4;
  const input = new Uint8Array(segment.length + (rem ? 4 - rem : 0)).fill(PAD);
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    input[i] = c === 0x2d ? 0x2b : c === 0x5f ? 0x2f : c; // urlsafe → standard alphabet
  }
  const out: number[] = [];
  let quad = 0;
  let pads = 0;
  let left = 0;
  for (const c of input) {
    if (c === PAD) {
      if (quad >= 2 && quad + ++pads >= 4) return Uint8Array.from(out);
      continue;
    }
    const v = TABLE[c]!;
    if (v < 0) continue;
    pads = 0;
    switch (quad) {
      case 0:
        left = v;
        break;
      case 1:
        out.push(((left << 2) | (v >> 4)) & 0xff);
        left = v & 0x0f;
        break;
      case 2:
        out.push(((left << 4) | (v >> 2)) & 0xff);
        left = v & 0x03;
        break;
      case 3:
        out.push(((left << 6) | v) & 0xff);
        break;
    }
    quad = (quad + 1) % 4;
  }
  return quad === 0 ? Uint8Array.from(out) : null;
}
