import { issueToken, tokenNowOf, type Clock, type Random } from '../../src/core/ports.ts';
import { createHs256Verifier, signHs256 } from '../../src/http/jwt.ts';

export const DAY_S = 86_400;
export const REMEMBER_S = 30 * DAY_S;
const TYP = 'v1auth';

/** `typ` marks this dialect's tokens; `sid` is the login session, `rem` carries remember_me into refreshes. */
export interface V1Claims {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  typ: typeof TYP;
  sid: string;
  rem: boolean;
}

export type Verified = { ok: true; claims: V1Claims } | { ok: false; failure: 'invalid' | 'expired' };

export function createTokens(key: Uint8Array, clock: Clock, random: Random) {
  const verifyHs256 = createHs256Verifier(key);
  return {
    sign(userId: number, sid: string, remember: boolean): { token: string; claims: V1Claims } {
      return issueToken(clock, (stamp) => {
        const iat = Math.floor(stamp / 1000);
        const claims: V1Claims = {
          sub: String(userId),
          jti: random.bytes(16).toString('base64url'),
          iat,
          exp: iat + (remember ? REMEMBER_S : DAY_S),
          typ: TYP,
          sid,
          rem: remember,
        };
        return { token: signHs256(claims, key), claims };
      });
    },

    verify(token: string): Verified {
      const r = verifyHs256(token, tokenNowOf(clock, token));
      if (!r.ok) return { ok: false, failure: r.failure === 'expired' ? 'expired' : 'invalid' };
      const p = r.payload as Partial<V1Claims>;
      // Every claim read later is type-checked here (rem goes into refreshed tokens).
      const valid =
        p.typ === TYP && typeof p.sub === 'string' && /^\d{1,15}$/.test(p.sub) && typeof p.sid === 'string' && typeof p.jti === 'string' && typeof p.exp === 'number' && typeof p.rem === 'boolean';
      return valid ? { ok: true, claims: p as V1Claims } : { ok: false, failure: 'invalid' };
    },

    clear: verifyHs256.clear,
  };
}
export type Tokens = ReturnType<typeof createTokens>;
