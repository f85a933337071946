import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pyBase64UrlDecode } from '../../src/http/python/base64.ts';
import { pyJsonLoads, PyRecursionError } from '../../src/http/python/json.ts';

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/golden/python.json', import.meta.url)), 'utf8'));

describe('CPython json.loads(bytes), as PyJWT and Flask see it', () => {
  const cases: { in_hex: string; ok?: boolean; error?: string; recursion_error?: boolean }[] = golden.json;
  for (const c of cases) it(c.in_hex.slice(0, 40) || '(empty)', () => {
    const input = Buffer.from(c.in_hex, 'hex');
    if (c.recursion_error) {
      expect(() => pyJsonLoads(input)).toThrow(PyRecursionError);
      return;
    }
    const r = pyJsonLoads(input);
    expect(r.ok ? { ok: true } : { error: r.error }).toEqual(c.ok ? { ok: true } : { error: c.error });
  });

  it("reproduces the seed's message for a header cut to 19 characters", () => {
    const header = Buffer.from('eyJhbGciOiJIUzI1NiI', 'base64url');
    expect(pyJsonLoads(header)).toEqual({ ok: false, error: "Expecting ',' delimiter: line 1 column 15 (char 14)" });
  });

  it('parses Python-only literals and keeps lone surrogates', () => {
    expect(pyJsonLoads(Buffer.from('[NaN, Infinity, -Infinity, "\\ud800"]'))).toEqual({ ok: true, value: [NaN, Infinity, -Infinity, '\ud800'] });
  });
});

describe("PyJWT's base64url_decode", () => {
  const cases: { in_hex: string; out_hex: string | null }[] = golden.base64url;
  for (const c of cases) it(c.in_hex || '(empty)', () => {
    const r = pyBase64UrlDecode(Buffer.from(c.in_hex, 'hex'));
    expect(r === null ? null : Buffer.from(r).toString('hex')).toBe(c.out_hex);
  });
});
