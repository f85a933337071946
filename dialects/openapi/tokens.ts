// The gateway's tokens: claims in the order ID, Username, exp, iss, nbf (then sid and jti, for revocation).
// Access and refresh tokens are signed with two distinct keys derived from this dialect's secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { issueToken, tokenNowOf, type Clock, type Random } from '../../src/core/ports.ts';
import { B64URL, decodeJsonObject, signHs256 } from '../../src/http/jwt.ts';

export const ACCESS_TTL_S = 7200;
export const REFRESH_TTL_S = 14 * 86_400;
export const UI_TTL_S = 3 * 86_400;
export const ISSUER = 'edge-gateway';

export interface GatewayClaims {
  ID: number;
  Username: string;
  exp: number;
  iss: string;
  nbf: number;
  sid: string;
  jti: string;
}

/** 'expired' (1010), 'invalid' (1011, also for malformed and not-yet-valid tokens: a security fix). */
export type Checked = { ok: true; claims: GatewayClaims } | { ok: false; failure: 'expired' | 'invalid' };

const derive = (secret: Uint8Array, purpose: string) => createHmac('sha256', secret).update(`openapi:${purpose}`).digest();

export function createTokens(secret: Uint8Array, clock: Clock, random: Random) {
  const keys = { access: derive(secret, 'access'), refresh: derive(secret, 'refresh') };

  function sign(kind: 'access' | 'refresh' | 'ui', user: { id: number; username: string }, sid: string): { token: string; claims: GatewayClaims } {
    return signWithJti(kind, user, sid, random.bytes(12).toString('base64url'));
  }

  /** A refresh token carries the jti its session expects next (the core rotates it). */
  function signWithJti(kind: 'access' | 'refresh' | 'ui', user: { id: number; username: string }, sid: string, jti: string): { token: string; claims: GatewayClaims } {
    const ttl = kind === 'access' ? ACCESS_TTL_S : kind === 'refresh' ? REFRESH_TTL_S : UI_TTL_S;
    return issueToken(clock, (stamp) => {
      const now = Math.floor(stamp / 1000);
      // The UI login token starts 1000 s in the past, as upstream.
      const claims: GatewayClaims = { ID: user.id, Username: user.username, exp: now + ttl, iss: ISSUER, nbf: kind === 'ui' ? now - 1000 : now, sid, jti };
      return { token: signHs256(claims, kind === 'refresh' ? keys.refresh : keys.access), claims };
    });
  }

  /** jwt-go's order as the gateway saw it: structure, then expiry (which wins even over a bad signature), then signature, then nbf. */
  function check(token: string, kind: 'access' | 'refresh'): Checked {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, failure: 'invalid' };
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJsonObject(h);
    const payload = decodeJsonObject(p);
    if (!header || !payload || !B64URL.test(s)) return { ok: false, failure: 'invalid' };
    const now = tokenNowOf(clock, token) / 1000;
    if (typeof payload.exp !== 'number') return { ok: false, failure: 'invalid' };
    if (payload.exp <= now) return { ok: false, failure: 'expired' };
    if (header.alg !== 'HS256') return { ok: false, failure: 'invalid' };
    const expected = createHmac('sha256', keys[kind]).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, failure: 'invalid' };
    if (typeof payload.nbf === 'number' && payload.nbf > now) return { ok: false, failure: 'invalid' };
    const c = payload as Partial<GatewayClaims>;
    if (!Number.isSafeInteger(c.ID) || typeof c.Username !== 'string' || typeof c.sid !== 'string' || typeof c.jti !== 'string') return { ok: false, failure: 'invalid' };
    return { ok: true, claims: c as GatewayClaims };
  }

  return { sign, signWithJti, check };
}
export type Tokens = ReturnType<typeof createTokens>;
