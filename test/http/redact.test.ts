import { describe, expect, it } from 'vitest';
import { redactBodyText, redactCredentials, redactForm, redactHeader, redactJsonFields } from '../../src/http/redact.ts';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const KEY = `ak_${'0123456789abcdef'.repeat(2)}01234567`;

describe('redaction', () => {
  it('credential headers: Authorization keeps its scheme, cookies their names', () => {
    expect(redactHeader('Authorization', `Bearer ${JWT}`)).toBe('Bearer [REDACTED]');
    expect(redactHeader('authorization', 'opaque')).toBe('[REDACTED]');
    expect(redactHeader('X-Token', JWT)).toBe('[REDACTED]');
    expect(redactHeader('x-api-key', KEY)).toBe('[REDACTED]');
    expect(redactHeader('Cookie', 'session=abc; theme=dark')).toBe('session=[REDACTED]; theme=[REDACTED]');
    expect(redactHeader('Set-Cookie', 'sid=abc; Path=/; HttpOnly')).toBe('sid=[REDACTED]; Path=/; HttpOnly');
    expect(redactHeader('content-type', 'application/json')).toBe('application/json');
    expect(redactHeader('x-forwarded-token-ish', `see ${JWT}`)).toBe('see [REDACTED]');
  });

  it('JSON fields named *password*, *secret*, *token* and key, at any depth, whatever their value', () => {
    const text = '{"username":"admin","Password":"p@ss\\"w","data":{"access_token":"abc","refresh_token":null,"nested":[{"client_secret":{"a":[1,2]}}],"key":42,"keys":["x"]},"tokenCount":7}';
    expect(redactJsonFields(text)).toBe(
      '{"username":"admin","Password":"[REDACTED]","data":{"access_token":"[REDACTED]","refresh_token":"[REDACTED]","nested":[{"client_secret":"[REDACTED]"}],"key":"[REDACTED]","keys":["x"]},"tokenCount":"[REDACTED]"}',
    );
  });

  it('keeps every other byte (whitespace, number spellings, duplicate keys) and strings that only look like keys', () => {
    const text = '{ "a" : 1.0e0 , "a": 2, "list": ["password", "token"], "note": "key" }';
    expect(redactJsonFields(text)).toBe(text);
  });

  it('truncated or malformed JSON is still scanned, an unterminated secret cut to the end', () => {
    expect(redactJsonFields('{"user":"x","password":"hunter2-and-then-the-body-was-cu')).toBe('{"user":"x","password":"[REDACTED]"');
    expect(redactJsonFields("{'password': 'x', \"password\": tru")).toBe("{'password': 'x', \"password\": \"[REDACTED]\"");
    expect(redactJsonFields('{"new_password": {"nested": "still open')).toBe('{"new_password": "[REDACTED]"');
  });

  it('API keys and JWTs anywhere, not inside words', () => {
    expect(redactCredentials(`key ${KEY}, token ${JWT}.`)).toBe('key [REDACTED], token [REDACTED].');
    expect(redactCredentials('breakfast_ak_x and break_fast stay')).toBe('breakfast_ak_x and break_fast stay');
    expect(redactCredentials('eyJ alone is no JWT')).toBe('eyJ alone is no JWT');
  });

  it('form bodies and query strings: secret fields by decoded name, then keys and JWTs', () => {
    expect(redactForm(`username=admin&pass%77ord=x&new_password=y&next=${JWT}&k=${KEY}&plain`)).toBe(
      'username=admin&pass%77ord=[REDACTED]&new_password=[REDACTED]&next=[REDACTED]&k=[REDACTED]&plain',
    );
  });

  it('bodies by media type; JSON also when it looks like JSON', () => {
    expect(redactBodyText('{"password":"x"}', 'text/plain')).toBe('{"password":"[REDACTED]"}');
    expect(redactBodyText('{"password":"x"}', 'application/vnd.api+json')).toBe('{"password":"[REDACTED]"}');
    expect(redactBodyText('password=x', 'application/x-www-form-urlencoded; charset=utf-8')).toBe('password=[REDACTED]');
    expect(redactBodyText(`the token is ${JWT}`, 'text/plain')).toBe('the token is [REDACTED]');
    const multipart = '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2\r\n--b--\r\n';
    expect(redactBodyText(multipart, 'multipart/form-data; boundary=b')).toBe(multipart.replace('hunter2', '[REDACTED]'));
  });
});
