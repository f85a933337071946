import { SignJWT, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signHs256, verifyHs256 } from '../../src/http/jwt.ts';

const key = new Uint8Array(32).fill(9);
const NOW = Date.UTC(2025, 0, 1);
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const sign = (payload: Record<string, unknown>, alg = 'HS256', k: Uint8Array = key) =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(k);

describe('verifyHs256', () => {
  it('accepts a jose-signed token and returns header and payload in order', async () => {
    const t = await sign({ a: 1, exp: NOW / 1000 + 60 });
    const r = verifyHs256(t, key, NOW);
    expect(r).toEqual({ ok: true, header: { alg: 'HS256', typ: 'JWT' }, payload: { a: 1, exp: NOW / 1000 + 60 } });
  });

  it('names each failure in PyJWT order', async () => {
    const good = await sign({ a: 1 });
    const [h, p, s] = good.split('.') as [string, string, string];
    const cases: [string, string][] = [
      ['a.b', 'segments'],
      ['a.b.c.d', 'segments'],
      [`!!.${p}.${s}`, 'header'],
      [`${b64('[1]')}.${p}.${s}`, 'header'],
      [`${b64('{"alg":')}.${p}.${s}`, 'header'],
      [`${h}.${b64('nope')}.${s}`, 'payload'],
      [`${h}.${p}.***`, 'signature_encoding'],
      [`${b64('{"alg":"none"}')}.${p}.`, 'algorithm'],
      [`${b64('{"alg":"HS512"}')}.${p}.${s}`, 'algorithm'],
      [`${h}.${p}.${s.slice(0, -2)}`, 'signature'],
      [`${h}.${b64('{"a":2}')}.${s}`, 'signature'],
    ];
    for (const [token, failure] of cases) expect([token, verifyHs256(token, key, NOW)]).toEqual([token, { ok: false, failure }]);
    expect(verifyHs256(await sign({ a: 1 }, 'HS256', new Uint8Array(32).fill(8)), key, NOW)).toEqual({ ok: false, failure: 'signature' });
  });

  it('checks exp and nbf against the given clock', async () => {
    const s = NOW / 1000;
    expect(verifyHs256(await sign({ exp: s }), key, NOW)).toEqual({ ok: false, failure: 'expired' });
    expect(verifyHs256(await sign({ exp: s + 1 }), key, NOW).ok).toBe(true);
    expect(verifyHs256(await sign({ nbf: s + 1 }), key, NOW)).toEqual({ ok: false, failure: 'immature' });
    expect(verifyHs256(await sign({ exp: 'tomorrow' }), key, NOW)).toEqual({ ok: false, failure: 'claims' });
  });
});

describe('signHs256', () => {
  it('writes the same bytes as jose for the same claims, and jose verifies them', async () => {
    const claims = { user_id: 1, username: 'admin', is_superuser: true, exp: NOW / 1000 + 60, token_type: 'access' };
    const ours = signHs256(claims, key);
    expect(ours).toBe(await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key));
    const { payload } = await jwtVerify(ours, key, { currentDate: new Date(NOW) });
    expect(payload).toEqual(claims);
  });

  it('escapes non-ASCII as PyJWT does (ensure_ascii), and the claims still read back', async () => {
    const t = signHs256({ sub: '用户🦊' }, key);
    expect(Buffer.from(t.split('.')[1]!, 'base64url').toString()).toBe('{"sub":"\\u7528\\u6237\\ud83e\\udd8a"}');
    expect((await jwtVerify(t, key)).payload.sub).toBe('用户🦊');
  });
});
