// pyJsonLoads's native fast path against the CPython emulation it stands in for, and inputs that used to crash.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pyJsonLoads, pyJsonLoadsEmulated, pyJsonLoadsNative, pyJsonLoadsTopLevel, PyRecursionError, type PyJsonResult } from '../../src/http/python/json.ts';
import { topLevel } from '../../src/http/python/top-level.ts';
import { jsonCorpus } from '../helpers/json-corpus.ts';
import { makeGateway, send } from '../helpers/harness.ts';

const golden: { json: { in_hex: string }[] } = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/golden/python.json', import.meta.url)), 'utf8'));

/** Everything that tells two values apart: -0, NaN, key order, prototypes, lone surrogates. */
function canon(v: unknown): unknown {
  if (typeof v === 'number') return ['number', Object.is(v, -0) ? '-0' : String(v)];
  if (Array.isArray(v)) return ['list', Object.getPrototypeOf(v) === Array.prototype, v.map(canon)];
  if (v !== null && typeof v === 'object') {
    return ['dict', Object.getPrototypeOf(v), Object.keys(v).map((k) => [k, canon((v as Record<string, unknown>)[k])])];
  }
  return [typeof v, v];
}

function outcome(loads: () => PyJsonResult): unknown {
  try {
    const r = loads();
    return r.ok ? { value: canon(r.value) } : { error: r.error };
  } catch (e) {
    return e instanceof PyRecursionError ? 'RecursionError' : `threw ${String(e)}`;
  }
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function agrees(text: string | Uint8Array) {
  const input = typeof text === 'string' ? bytes(text) : text;
  expect(outcome(() => pyJsonLoads(input))).toEqual(outcome(() => pyJsonLoadsEmulated(input)));
}

describe('the native fast path returns exactly what the emulation returns', () => {
  it('on the golden cases', () => {
    for (const c of golden.json) {
      const input = Buffer.from(c.in_hex, 'hex');
      expect(outcome(() => pyJsonLoads(input)), c.in_hex).toEqual(outcome(() => pyJsonLoadsEmulated(input)));
    }
  });

  it('on 6 000 generated inputs, valid and broken, and takes the fast path for the plain ones', () => {
    const corpus = jsonCorpus(6000, 7);
    const mismatches: string[] = [];
    let native = 0;
    for (const { kind, bytes: input } of corpus) {
      const emulated = outcome(() => pyJsonLoadsEmulated(input));
      const fast = pyJsonLoadsNative(input);
      if (fast !== undefined) {
        native++;
        if (JSON.stringify({ value: canon(fast) }) !== JSON.stringify(emulated)) mismatches.push(`native ${kind} ${Buffer.from(input).toString('hex').slice(0, 200)}`);
      }
      if (JSON.stringify(outcome(() => pyJsonLoads(input))) !== JSON.stringify(emulated)) {
        mismatches.push(`pyJsonLoads ${kind} ${Buffer.from(input).toString('hex').slice(0, 200)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(native).toBeGreaterThan(corpus.length / 5);
  });

  it('takes plain bodies natively, with null-prototype objects as the scanner builds them', () => {
    for (const text of ['{"username":"lisi","password":"x"}', '[1, -2, 9007199254740991, true, null, "中😀"]', '{"b":1,"1":2,"a":3,"0":4,"b":5}', '-0', ' {"toString": {}} ']) {
      expect(pyJsonLoadsNative(bytes(text)), text).toBeDefined();
      agrees(text);
    }
    const value = pyJsonLoadsNative(bytes('{"a":{"b":[{}]}}')) as Record<string, any>;
    expect(Object.getPrototypeOf(value)).toBe(null);
    expect(Object.getPrototypeOf(value.a.b[0])).toBe(null);
    expect('toString' in value).toBe(false);
  });

  it('leaves to the emulation what the two could read differently', () => {
    const declined = [
      '[NaN]', '{"__proto__": {"x": 1}}', '"\\ud800"', '"\\uDBFF\\uDFFF"', '0.1', '1e400', '9007199254740992', '12345678901234567890',
      '[1,]', '', '\ufeff{}', '[' + '1'.repeat(4301) + ']', '['.repeat(991) + ']'.repeat(991),
    ];
    for (const text of declined) {
      expect(pyJsonLoadsNative(bytes(text)), text.slice(0, 40)).toBeUndefined();
      agrees(text);
    }
    for (const input of [Buffer.from('{}', 'utf16le'), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), Buffer.from([0x22, 0xff, 0x22])]) {
      expect(pyJsonLoadsNative(input)).toBeUndefined();
      agrees(input);
    }
    expect(pyJsonLoadsNative(bytes('['.repeat(990) + ']'.repeat(990)))).toBeDefined();
    expect(() => pyJsonLoads(bytes('['.repeat(991) + ']'.repeat(991)))).toThrow(PyRecursionError);
  });

  it("refuses an int of more than 4300 digits as CPython 3.11's int() does", () => {
    expect(pyJsonLoads(bytes(`{"a": -${'7'.repeat(4301)}}`))).toEqual({
      ok: false,
      error: 'Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit',
    });
    expect(pyJsonLoads(bytes('7'.repeat(4300)))).toEqual({ ok: true, value: Infinity });
    expect(pyJsonLoads(bytes('7'.repeat(5000) + '.5'))).toEqual({ ok: true, value: Infinity });
  });
});

describe('huge strings and numbers', () => {
  it('the emulation reads them without a stack overflow', () => {
    const long = 'a'.repeat(1_000_000);
    expect(pyJsonLoadsEmulated(bytes(`{"username":"${long}"}`))).toEqual({ ok: true, value: Object.assign(Object.create(null), { username: long }) });
    expect(pyJsonLoadsEmulated(bytes(`"${'é😀'.repeat(200_000)}"`))).toEqual({ ok: true, value: 'é😀'.repeat(200_000) });
    expect(pyJsonLoadsEmulated(bytes(`[${'1'.repeat(500_000)}.5]`))).toEqual({ ok: true, value: [Infinity] });
    expect(pyJsonLoads(bytes(`{"username":"${long}\\x"}`))).toEqual({ ok: false, error: 'Invalid \\escape: line 1 column 1000014 (char 1000013)' });
  });

  it('a 1 MiB valid body parses to the same value both ways', () => {
    const body = JSON.stringify({ username: 'u', password: 'p', email: Array.from({ length: 29_000 }, (_, i) => ({ k: `value ${i}`.padEnd(17, '.'), n: i })) });
    const input = bytes(body);
    expect(input.length).toBeGreaterThan(1_000_000);
    expect(input.length).toBeLessThanOrEqual(1 << 20);
    expect(pyJsonLoadsNative(input)).toBeDefined();
    agrees(input);
  });

  it('bodies for top-level readers: the top level exactly, nested containers as stubs of the same kind and truthiness', async () => {
    const big = { username: 'a'.repeat(100_000), list: [1, 2], empty: [], dict: { a: 1 }, none: {}, n: 7, s: 'x' };
    for (const value of [big, { ...big, username: 'small' }]) {
      const r = await pyJsonLoadsTopLevel(bytes(JSON.stringify(value)));
      expect(r).toEqual({ ok: true, value: { ...value, list: [0], dict: { _: 0 } } });
      expect(Object.getPrototypeOf((r as { value: object }).value)).toBe(null);
    }
    await expect(pyJsonLoadsTopLevel(bytes('['.repeat(40_000) + ']'.repeat(40_000)))).rejects.toBeInstanceOf(PyRecursionError);
    expect(await pyJsonLoadsTopLevel(bytes('{"a": 1,}'))).toEqual(pyJsonLoads(bytes('{"a": 1,}')));
    expect(topLevel([{ a: 1 }, [], 3])).toEqual([{ _: 0 }, [], 3]);
  });

  it('flask login with a 125 000-character username answers the legacy business failure, not a 500 page', async () => {
    const gw = await makeGateway();
    const r = await send(gw.app('flask'), 'POST', '/api/auth/login', { json: { username: 'a'.repeat(125_000), password: 'x' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.text).toBe('{"code":1,"data":null,"msg":"\\u767b\\u5f55\\u5931\\u8d25"}\n');
  });

  it('a duplicate key does not hide from CPython what the first value was: a huge int, or nesting past the limit', async () => {
    const hugeInt = '{"username":"admin","password":' + '1'.repeat(5000) + ',"password":"x"}';
    const deep = '{"username":' + '['.repeat(995) + ']'.repeat(995) + ',"username":"admin","password":"x"}';
    expect(pyJsonLoads(bytes(hugeInt))).toEqual(pyJsonLoadsEmulated(bytes(hugeInt)));
    expect((pyJsonLoads(bytes(hugeInt)) as { ok: boolean }).ok).toBe(false);
    expect(() => pyJsonLoads(bytes(deep))).toThrow(PyRecursionError);
    // Over the wire (the re-probe's requests): Werkzeug's 400 page, and no failed login counted against admin.
    const gw = await makeGateway();
    const login = await send(gw.app('flask'), 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: hugeInt });
    expect(login.status).toBe(400);
    const register = await send(gw.app('flask'), 'POST', '/auth/register', {
      headers: { 'content-type': 'application/json' },
      body: '{"username":"u1","password":"Zhougezuishuai22","email":' + '1'.repeat(5000) + ',"email":{"a":1}}',
    });
    expect(register.status).toBe(400);
    expect((await send(gw.app('flask'), 'POST', '/api/auth/login', { headers: { 'content-type': 'application/json' }, body: deep })).status).toBe(500);
    expect((await gw.core.audit.recent()).filter((a) => a.event === 'login.failure')).toEqual([]);
  });
});
