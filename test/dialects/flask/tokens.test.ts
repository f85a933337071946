import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeGateway, send } from '../../helpers/harness.ts';

interface TokenCase {
  name: string;
  authorization: string | null;
  status: number;
  body: string;
}
const file = fileURLToPath(new URL('../../../fixtures/golden/flask-tokens.json', import.meta.url));
const cases: TokenCase[] = JSON.parse(readFileSync(file, 'utf8')).cases;

describe('flask: every malformed token answers the library message (fixtures/golden/flask-tokens.json)', async () => {
  const gw = await makeGateway();
  const app = gw.app('flask');

  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  for (const c of cases) {
    it(`${c.status} ${c.name}`, async () => {
      const headers: Record<string, string> = c.authorization === null ? {} : { authorization: c.authorization };
      const r = await send(app, 'POST', '/api/auth/refresh', { headers });
      expect({ status: r.status, body: r.text }).toEqual({ status: c.status, body: c.body });
      expect(r.headers.get('content-type')).toBe(c.status === 500 ? 'text/html; charset=utf-8' : 'application/json');
    });
  }
});
