// `GET /__admin/requests/{id}/explain` (control-plane.md §4, "Explain"): the denial the pipeline noted for a request,
// with one English sentence a test failure can print. The kinds are the core's (core/errors.ts) plus the token
// failures the dialects note; `details` are the note's own, unchanged.
import type { Denial } from './decisions.ts';

export interface Explanation {
  kind: string;
  summary: string;
  details: Record<string, unknown>;
}

const instant = (x: unknown): string | undefined => {
  if (typeof x === 'string' && x !== '') return x;
  if (typeof x === 'number' && Number.isFinite(x)) return new Date(x).toISOString();
  return undefined;
};

const text = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : typeof x === 'number' ? String(x) : undefined);

const clockNote = (d: Record<string, unknown>) => (d.clock === 'virtual' || d.clock === 'wall' ? ` (${d.clock} clock)` : '');

const REVOKED: Record<string, string> = {
  session: "the token's session was revoked (logout, password change, or an administrator)",
  user_inactive: "the token's user is no longer active",
  user_gone: "the token's user no longer exists",
  denied: 'the token itself was revoked (its jti is on the deny list)',
  reuse: 'a refresh token was used again after it had been rotated, so its whole family was revoked',
};

const FORBIDDEN: Record<string, string> = {
  grant: 'the caller cannot grant a role holding permissions it does not hold itself',
  superuser: 'the target is a superuser',
  superuser_only: 'only a superuser may do this',
  api_key: 'a request made with an API key may not do this (a password is a credential)',
  builtin: 'built-in roles cannot be changed or deleted',
  not_self: 'a user may do this to their own account only',
  no_role: 'the user has no role, so no permission',
};

const INVALID: Record<string, string> = {
  missing: 'no token or API key was sent',
  not_the_bearer_token: 'the token in the body is not the one the request is authenticated with',
};

function sentence(kind: string, d: Record<string, unknown>): string {
  const reason = text(d.reason);
  switch (kind) {
    case 'invalid_credentials': {
      const who = text(d.username) ? ` for the user ${text(d.username)}` : '';
      if (reason === 'unknown_user') return who ? `no user is called ${text(d.username)}` : 'no user has that username';
      if (reason === 'bad_password') return `the password is wrong${who}`;
      return `the credentials are not valid${who}${reason ? ` (${reason})` : ''}`;
    }
    case 'user_disabled':
      return 'the account is disabled';
    case 'account_locked': {
      const until = instant(d.locked_until ?? d.until);
      return until ? `the account is locked until ${until}` : 'the account is locked until an administrator unlocks it';
    }
    case 'token_expired': {
      const at = instant(d.expired_at);
      return at ? `the token expired at ${at}${clockNote(d)}` : `the token has expired${clockNote(d)}`;
    }
    case 'token_invalid':
      return (reason && INVALID[reason]) ?? `the token is not valid${reason ? ` (${reason})` : ''}`;
    case 'token_revoked':
      return (reason && REVOKED[reason]) ?? `the token was revoked${reason ? ` (${reason})` : ''}`;
    case 'token_reused':
      return d.grace ? 'the refresh token was already rotated moments ago (within the grace window): the new one must be used' : 'the refresh token was already rotated';
    case 'api_key_invalid':
      return reason === 'owner' ? "the API key's owner is not active" : 'the API key is not known';
    case 'api_key_disabled':
      return 'the API key is disabled';
    case 'api_key_expired': {
      const at = instant(d.expired_at);
      return at ? `the API key expired at ${at}${clockNote(d)}` : 'the API key has expired';
    }
    case 'forbidden': {
      const missing = Array.isArray(d.missing) ? d.missing.map(String).join(', ') : text(d.missing);
      if (missing && reason === 'grant') return `the caller cannot grant the permission ${missing}, which it does not hold itself`;
      if (missing) return `the role lacks the permission ${missing}`;
      return (reason && FORBIDDEN[reason]) ?? `the request is forbidden${reason ? ` (${reason})` : ''}`;
    }
    case 'not_found':
      return `no ${text(d.entity) ?? 'such record'}${text(d.id) ? ` ${text(d.id)}` : ''} exists`;
    case 'conflict':
      return text(d.field) ? `the ${text(d.field)} is already taken` : 'the request conflicts with what is stored';
    case 'validation':
      return `the ${text(d.field) ?? 'input'} is not valid${text(d.rule) ? ` (${text(d.rule)})` : ''}`;
    default:
      return `the request was refused (${kind}${reason ? `: ${reason}` : ''})`;
  }
}

export const explainDenial = (denial: Denial): Explanation => ({ kind: denial.kind, summary: sentence(denial.kind, denial.details), details: denial.details });
