import { describe, expect, it } from 'vitest';
import { explainDenial } from '../../src/http/explain.ts';

const say = (kind: string, details: Record<string, unknown> = {}) => explainDenial({ kind, details }).summary;

describe('explain: one sentence per denial kind', () => {
  it('lockout, expiry, permissions', () => {
    expect(say('account_locked', { locked_until: '2026-12-02T10:00:00.000Z' })).toBe('the account is locked until 2026-12-02T10:00:00.000Z');
    expect(say('account_locked', { locked_until: null })).toBe('the account is locked until an administrator unlocks it');
    expect(say('account_locked', { until: Date.UTC(2026, 11, 2, 10) })).toBe('the account is locked until 2026-12-02T10:00:00.000Z');
    expect(say('token_expired', { expired_at: '2025-01-01T04:00:00.000Z', clock: 'virtual' })).toBe('the token expired at 2025-01-01T04:00:00.000Z (virtual clock)');
    expect(say('token_expired', { expired_at: '2025-01-01T04:00:00.000Z', clock: 'wall' })).toBe('the token expired at 2025-01-01T04:00:00.000Z (wall clock)');
    expect(say('token_expired')).toBe('the token has expired');
    expect(say('forbidden', { missing: 'GET /api/v1/users' })).toBe('the role lacks the permission GET /api/v1/users');
    expect(say('forbidden', { missing: ['admin', 'write'] })).toBe('the role lacks the permission admin, write');
    expect(say('forbidden', { reason: 'superuser_only' })).toBe('only a superuser may do this');
  });

  it('credentials, tokens, keys', () => {
    expect(say('invalid_credentials', { reason: 'bad_password', username: 'admin' })).toBe('the password is wrong for the user admin');
    expect(say('invalid_credentials', { reason: 'unknown_user' })).toBe('no user has that username');
    expect(say('user_disabled')).toBe('the account is disabled');
    expect(say('token_revoked', { reason: 'session' })).toMatch(/^the token's session was revoked/);
    expect(say('token_revoked', { reason: 'reuse' })).toMatch(/whole family was revoked/);
    expect(say('token_invalid', { reason: 'signature' })).toBe('the token is not valid (signature)');
    expect(say('api_key_invalid', { reason: 'owner' })).toBe("the API key's owner is not active");
    expect(say('api_key_expired')).toBe('the API key has expired');
  });

  it('any other kind still reads, and details pass unchanged', () => {
    expect(say('rate_limited', { reason: 'window' })).toBe('the request was refused (rate_limited: window)');
    const details = { locked_until: '2026-12-02T10:00:00.000Z', failures: 5 };
    expect(explainDenial({ kind: 'account_locked', details })).toEqual({ kind: 'account_locked', summary: 'the account is locked until 2026-12-02T10:00:00.000Z', details });
  });
});
