// Fault rules over a plain fetch: validation, matching, times, seeded probability, phases and delays.
// Against the dialects and a real socket: faults-dialects.test.ts.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/ports.ts';
import { createFaults, faultOf, FaultRuleError } from '../../src/http/faults.ts';
import { wrap, type Fetch } from '../../src/http/listener.ts';
import { sendTo } from '../helpers/layers.ts';

const faultsWith = (...rules: object[]) => {
  const faults = createFaults({ random: seededRandom(7) });
  for (const r of rules) faults.add(r);
  return faults;
};

/** Counts the requests that reached it. */
function counting() {
  const seen: string[] = [];
  const fetch: Fetch = (request) => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return new Response('real', { status: 200 });
  };
  return { seen, fetch };
}

const invalid = (input: unknown) => {
  try {
    createFaults({ random: seededRandom(1) }).add(input);
  } catch (e) {
    expect(e).toBeInstanceOf(FaultRuleError);
    expect((e as FaultRuleError).code).toBe('invalid');
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('fault rules: validation', () => {
  it('fills in the defaults and shows the seed it drew', () => {
    const faults = createFaults({ random: seededRandom(7) });
    const rule = faults.add({ status: 503 });
    expect(rule).toEqual({ id: 'fault_1', dialect: '*', method: '*', path: '**', delay_ms: 0, status: 503, body: '', reset: false, phase: 'before', probability: 1, seed: expect.any(Number), times: null });
    expect(createFaults({ random: seededRandom(7) }).add({ status: 503 }).seed).toBe(rule.seed); // from the injected Random
    expect(faults.add({ id: 'mine', method: 'post', delay_ms: 5, seed: 42, times: 3 })).toMatchObject({ id: 'mine', method: 'POST', seed: 42, times: 3 });
    expect(faults.list().map((r) => r.id)).toEqual(['fault_1', 'mine']);
  });

  it('refuses unknown fields, bad types and rules that contradict themselves, saying why', () => {
    expect(invalid({ status: 500, delay: 5 })).toMatch(/unknown field "delay"/);
    expect(invalid({ status: '500' })).toMatch(/status must be a whole number from 200 to 599/);
    expect(invalid({ status: 99 })).toMatch(/status/);
    expect(invalid({ dialect: 'django', status: 500 })).toMatch(/dialect must be "\*" or one of fastapi, flask, v1auth, openapi/);
    expect(invalid({ path: 'api/*', status: 500 })).toMatch(/must start with \//);
    expect(invalid({ path: '/a/**/b', status: 500 })).toMatch(/last segment/);
    expect(invalid({ probability: 1.5, status: 500 })).toMatch(/probability must be a number from 0 to 1/);
    expect(invalid({ reset: 'yes' })).toMatch(/reset must be true or false/);
    expect(invalid({ phase: 'during', status: 500 })).toMatch(/phase must be "before"/);
    expect(invalid({ times: 0, status: 500 })).toMatch(/times must be a whole number from 1/);
    expect(invalid({ seed: -1, status: 500 })).toMatch(/seed/);
    expect(invalid({ delay_ms: 60_001 })).toMatch(/delay_ms must be a whole number from 0 to 60000/);
    expect(invalid({ reset: true, status: 500 })).toMatch(/either resets the connection or answers a status/);
    expect(invalid({ body: 'x' })).toMatch(/body needs a status/);
    expect(invalid({ status: 204, body: 'x' })).toMatch(/204 carries no body/);
    expect(invalid({})).toMatch(/does nothing/);
    expect(invalid([])).toMatch(/JSON object/);
    expect(invalid({ id: 'a b', status: 500 })).toMatch(/id must be/);
  });

  it('an id in use is a conflict; remove and clear', () => {
    const faults = faultsWith({ id: 'a', status: 500 });
    expect(() => faults.add({ id: 'a', status: 502 })).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(faults.remove('nope')).toBe(false);
    expect(faults.remove('a')).toBe(true);
    faults.add({ id: 'b', status: 500 });
    faults.clear();
    expect(faults.list()).toEqual([]);
  });
});

describe('fault rules: matching', () => {
  it('a rule changes only the matching dialect, method and path', async () => {
    const { seen, fetch } = counting();
    const faults = faultsWith({ dialect: 'v1auth', method: 'POST', path: '/api/v1/auth/users/*', status: 503, body: '{"down":true}' });
    const v1 = wrap('v1auth', fetch, [faults.layer]);
    const other = wrap('fastapi', fetch, [faults.layer]);
    const hit = await sendTo(v1, 'POST', '/api/v1/auth/users/7');
    expect([hit.status, hit.text, hit.headers.get('content-type')]).toEqual([503, '{"down":true}', 'application/json']);
    for (const [f, method, path] of [[v1, 'GET', '/api/v1/auth/users/7'], [v1, 'POST', '/api/v1/auth/users'], [other, 'POST', '/api/v1/auth/users/7']] as const) {
      expect((await sendTo(f, method, path)).status).toBe(200);
    }
    expect(seen).toEqual(['GET /api/v1/auth/users/7', 'POST /api/v1/auth/users', 'POST /api/v1/auth/users/7']);
  });

  it('a non-matching request gets what the next layer returned, synchronously', () => {
    const answer = new Response('x');
    const fetch = wrap('fastapi', () => answer, [faultsWith({ path: '/elsewhere', status: 500 }).layer]);
    const request = new Request('http://localhost/api/v1/base/userinfo');
    expect(fetch(request)).toBe(answer);
    expect(faultOf(request)).toBeUndefined();
  });

  it('only the first matching rule counts, even when its draw misses', async () => {
    const faults = faultsWith({ id: 'never', path: '/x', status: 500, probability: 0 }, { id: 'always', path: '/**', status: 502 });
    const fetch = wrap('fastapi', counting().fetch, [faults.layer]);
    expect((await sendTo(fetch, 'GET', '/x')).status).toBe(200);
    expect((await sendTo(fetch, 'GET', '/y')).status).toBe(502);
  });

  it('a rule is gone after `times` hits; the list shows the hits left', async () => {
    const faults = faultsWith({ id: 'twice', status: 500, times: 2 });
    const fetch = wrap('flask', counting().fetch, [faults.layer]);
    expect((await sendTo(fetch, 'GET', '/')).status).toBe(500);
    expect(faults.list()[0]!.times).toBe(1);
    expect((await sendTo(fetch, 'GET', '/')).status).toBe(500);
    expect(faults.list()).toEqual([]);
    expect((await sendTo(fetch, 'GET', '/')).status).toBe(200);
  });

  it('probability with a seed: the same hits on every run, draw n for match n', async () => {
    const pattern = async (seed: number) => {
      const fetch = wrap('fastapi', counting().fetch, [faultsWith({ status: 503, probability: 0.5, seed }).layer]);
      let hits = '';
      for (let i = 0; i < 50; i++) hits += (await sendTo(fetch, 'GET', `/r/${i}`)).status === 503 ? 'x' : '.';
      return hits;
    };
    const first = await pattern(1234);
    expect(await pattern(1234)).toBe(first);
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(await pattern(99)).not.toBe(first);
  });

  it('times counts hits, not matches', async () => {
    const faults = faultsWith({ status: 500, probability: 0.5, seed: 5, times: 3 });
    const fetch = wrap('fastapi', counting().fetch, [faults.layer]);
    let hits = 0;
    for (let i = 0; i < 40; i++) if ((await sendTo(fetch, 'GET', '/')).status === 500) hits++;
    expect(hits).toBe(3);
  });
});

describe('fault rules: phases and delays (real timers, small)', () => {
  const DELAY = 30;

  it('before: waits, then answers the status without running the handler; HEAD gets no body', async () => {
    const { seen, fetch } = counting();
    const f = wrap('fastapi', fetch, [faultsWith({ status: 500, body: 'injected', delay_ms: DELAY }).layer]);
    const t0 = performance.now();
    const r = await sendTo(f, 'GET', '/x');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(DELAY - 1); // timers may fire within a millisecond early
    expect([r.status, r.text, r.headers.get('content-type')]).toEqual([500, 'injected', 'text/plain; charset=utf-8']);
    expect((await sendTo(f, 'HEAD', '/x')).text).toBe('');
    expect(seen).toEqual([]);
  });

  it('a delay alone passes the real answer on: before the handler runs, or after it has answered', async () => {
    for (const phase of ['before', 'after'] as const) {
      const events: string[] = [];
      let calledAt = 0;
      const inner: Fetch = () => {
        calledAt = performance.now();
        events.push('handler');
        return new Response('real');
      };
      const f = wrap('fastapi', inner, [faultsWith({ delay_ms: DELAY, phase }).layer]);
      const t0 = performance.now();
      const r = await sendTo(f, 'GET', '/x');
      const t1 = performance.now();
      expect(r.text).toBe('real');
      expect(t1 - t0).toBeGreaterThanOrEqual(DELAY - 1);
      // before: the handler ran once the delay was over; after: the answer waited for the delay after it.
      if (phase === 'before') expect(calledAt - t0).toBeGreaterThanOrEqual(DELAY - 1);
      else expect(t1 - calledAt).toBeGreaterThanOrEqual(DELAY - 1);
      expect(events).toEqual(['handler']);
    }
  });

  it('after: the handler runs (its writes commit), the client gets the fault', async () => {
    const { seen, fetch } = counting();
    const f = wrap('v1auth', fetch, [faultsWith({ phase: 'after', status: 502 }).layer]);
    expect((await sendTo(f, 'POST', '/api/v1/auth/users')).status).toBe(502);
    expect(seen).toEqual(['POST /api/v1/auth/users']);
  });

  it('reset without a socket (no node server) is a network error', async () => {
    const f = wrap('v1auth', counting().fetch, [faultsWith({ reset: true }).layer]);
    const request = new Request('http://localhost/x');
    const r = await f(request);
    expect(r.type).toBe('error');
    expect(faultOf(request)).toEqual({ rule: 'fault_1', reset: true });
  });
});
