import { createHs256Verifier, signHs256 } from '../../src/http/jwt.ts';
import { issueToken, tokenNowOf, type Clock } from '../../src/core/ports.ts';
import type { User } from '../../src/core/index.ts';
import type { AuthFailure } from './errors.ts';

export const ACCESS_TTL_S = 240 * 60;
export const REFRESH_TTL_S = 7 * 24 * 3600;

export type TokenType = 'access' | 'refresh';

/** PyJWT's header and the legacy claim superset, plus `sid` (and `jti` on refresh tokens) for revocation. */
export interface FastapiClaims {
  user_id: number;
  username: string;
  is_superuser: boolean;
  exp: number;
  token_type: TokenType;
  sid: string;
  jti?: string;
}

export type Verified = { ok: true; claims: FastapiClaims } | { ok: false; failure: AuthFailure };

export function createTokens(key: Uint8Array, clock: Clock) {
  const verifyHs256 = createHs256Verifier(key);

  function sign(user: User, type: TokenType, sid: string, jti?: string): string {
    const ttl = type === 'access' ? ACCESS_TTL_S : REFRESH_TTL_S;
    return issueToken(clock, (stamp) => {
      const claims: FastapiClaims = {
        user_id: user.id,
        username: user.username,
        is_superuser: user.isSuperuser,
        exp: Math.floor(stamp / 1000) + ttl,
        token_type: type,
        sid,
        ...(jti === undefined ? {} : { jti }),
      };
      return signHs256(claims, key);
    });
  }

  /**
   * PyJWT's order: segments, header, payload, algorithm, signature, then expiry. Malformed or badly signed:
   * 'invalid' (无效的Token); expired: 'expired' (登录已过期); a foreign algorithm or claim set: 'other' (认证失败).
   */
  function verify(token: string): Verified {
    const r = verifyHs256(token, tokenNowOf(clock, token));
    if (!r.ok) {
      if (r.failure === 'expired') return { ok: false, failure: 'expired' };
      if (r.failure === 'algorithm' || r.failure === 'immature') return { ok: false, failure: 'other' };
      return { ok: false, failure: 'invalid' };
    }
    const p = r.payload as Partial<FastapiClaims>;
    // Every claim read later is type-checked here, so a well-signed odd claim is this dialect's 401, never a store error.
    const jtiOk = p.jti === undefined || typeof p.jti === 'string';
    if (!Number.isSafeInteger(p.user_id) || typeof p.sid !== 'string' || !jtiOk || (p.token_type !== 'access' && p.token_type !== 'refresh')) {
      return { ok: false, failure: 'other' };
    }
    return { ok: true, claims: p as FastapiClaims };
  }

  return { sign, verify, clear: verifyHs256.clear };
}
export type Tokens = ReturnType<typeof createTokens>;

/** HTTPBearer(auto_error=False): scheme `bearer` in any case, then everything after the first space. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space);
  const credentials = header.slice(space + 1);
  if (scheme.toLowerCase() !== 'bearer' || credentials === '') return null;
  return credentials;
}
