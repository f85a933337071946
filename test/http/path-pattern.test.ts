import { describe, expect, it } from 'vitest';
import { pathOf, queryOf } from '../../src/http/listener.ts';
import { compilePathPattern, PatternError } from '../../src/http/path-pattern.ts';

const matches = (pattern: string, path: string) => compilePathPattern(pattern)(path);

describe('path patterns', () => {
  it('** alone is every path; a literal is one path', () => {
    expect(matches('**', '/')).toBe(true);
    expect(matches('**', '/api/v1/auth/users/7')).toBe(true);
    expect(matches('/api/v1/auth/login', '/api/v1/auth/login')).toBe(true);
    expect(matches('/api/v1/auth/login', '/api/v1/auth/login/')).toBe(false);
    expect(matches('/api/v1/auth/login', '/api/v1/auth/logins')).toBe(false);
  });

  it('* is exactly one segment', () => {
    const p = compilePathPattern('/api/v1/auth/users/*');
    expect(p('/api/v1/auth/users/7')).toBe(true);
    expect(p('/api/v1/auth/users/7/reset-password')).toBe(false);
    expect(p('/api/v1/auth/users')).toBe(false);
    expect(p('/api/v1/auth/users/')).toBe(false); // an empty segment is none
    expect(matches('/api/*/auth/login', '/api/v1/auth/login')).toBe(true);
  });

  it('** is the rest: zero or more segments, last only', () => {
    const p = compilePathPattern('/api/v1/**');
    expect(p('/api/v1')).toBe(true);
    expect(p('/api/v1/')).toBe(true);
    expect(p('/api/v1/base/userinfo')).toBe(true);
    expect(p('/api/v10/x')).toBe(false);
    expect(() => compilePathPattern('/api/**/login')).toThrow(PatternError);
    expect(() => compilePathPattern('/api/x**')).toThrow(PatternError);
  });

  it('* inside a segment is any run of characters but /; the rest is literal (no regex)', () => {
    expect(matches('/api/v1/base/user*', '/api/v1/base/userinfo')).toBe(true);
    expect(matches('/api/v1/base/user*', '/api/v1/base/user/x')).toBe(false);
    expect(matches('/a.b/(c)', '/a.b/(c)')).toBe(true);
    expect(matches('/a.b', '/axb')).toBe(false);
  });

  it('compares percent-decoded paths', () => {
    expect(matches('/users/张三', '/users/%E5%BC%A0%E4%B8%89')).toBe(true);
    expect(matches('/users/%E5%BC%A0%E4%B8%89', '/users/张三')).toBe(true);
    expect(matches('/users/*', '/users/%ZZ')).toBe(true); // malformed escapes are matched as written
  });

  it('a pattern starts with / (or is **)', () => {
    expect(() => compilePathPattern('api/*')).toThrow(/must start with \//);
  });

  it('pathOf and queryOf read a URL without parsing it', () => {
    expect(pathOf('http://localhost:8080/api/v1/x?a=1#f')).toBe('/api/v1/x');
    expect(pathOf('http://localhost')).toBe('/');
    expect(queryOf('http://h/p?a=1&b=2')).toBe('a=1&b=2');
    expect(queryOf('http://h/p')).toBe('');
  });
});
