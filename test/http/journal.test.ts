// The journal as a layer over a plain fetch: recording, ids, filters, the ring, body limits, and the pass-through
// when off. Dialect traffic and redaction end to end: journal-dialects.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { noteDenial, noteUser } from '../../src/http/decisions.ts';
import { createFaults } from '../../src/http/faults.ts';
import { createJournal, InvalidFilterError } from '../../src/http/journal.ts';
import { wrap, type Fetch } from '../../src/http/listener.ts';
import { seededRandom } from '../../src/core/ports.ts';
import { T0 } from '../helpers/harness.ts';
import { sendTo } from '../helpers/layers.ts';

const ok: Fetch = (request) => new Response(JSON.stringify({ path: new URL(request.url).pathname }), { headers: { 'content-type': 'application/json' } });

/** Answers with the status the path ends with (`/s/401`), noting the user `?user=` and a denial for 4xx. */
const statusApp: Fetch = (request) => {
  const url = new URL(request.url);
  const status = Number(url.pathname.split('/').pop()) || 200;
  const user = url.searchParams.get('user');
  if (user) noteUser(request, user);
  if (status === 401) noteDenial(request, 'token_expired', { expired_at: '2025-01-01T04:00:00.000Z', clock: 'virtual' });
  return new Response(null, { status });
};

function clockAt(t: number) {
  const clock = { t, now: () => clock.t };
  return clock;
}

describe('journal: off is a synchronous pass-through', () => {
  it('returns the very response the next layer returned: no promise, no clone', () => {
    const journal = createJournal({ enabled: false });
    const faults = createFaults({ random: seededRandom(1) });
    const answer = new Response('x');
    const fetch = wrap('fastapi', () => answer, [journal.layer, faults.layer]);
    const request = new Request('http://localhost/api/v1/base/userinfo', { method: 'POST', body: 'secret body' });
    const clone = vi.spyOn(request, 'clone');
    expect(fetch(request)).toBe(answer);
    faults.add({ path: '/somewhere/else', status: 500 }); // a rule that does not match changes nothing either
    expect(fetch(request)).toBe(answer);
    expect(clone).not.toHaveBeenCalled();
    expect(journal.count()).toBe(0);
  });

  it('on, it records; toggled off again, what was recorded stays', async () => {
    const journal = createJournal();
    const fetch = wrap('fastapi', ok, [journal.layer]);
    await sendTo(fetch, 'GET', '/a');
    journal.enabled = false;
    await sendTo(fetch, 'GET', '/b');
    expect(journal.list().map((s) => s.path)).toEqual(['/a']);
  });
});

describe('journal: entries', () => {
  it('summaries: rising ids, wall time, method, path without query, status, duration', async () => {
    const clock = clockAt(T0);
    const journal = createJournal({ now: clock.now });
    const fetch = wrap('v1auth', statusApp, [journal.layer]);
    await sendTo(fetch, 'GET', '/s/200?x=1');
    clock.t += 1500;
    await sendTo(fetch, 'DELETE', '/s/404');
    const [a, b] = journal.list();
    expect(a).toMatchObject({ id: 1, at: '2025-01-01T00:00:00.000Z', dialect: 'v1auth', method: 'GET', path: '/s/200', status: 200, user: null, decision: null, fault: null });
    expect(b).toMatchObject({ id: 2, at: '2025-01-01T00:00:01.500Z', method: 'DELETE', status: 404 });
    expect(a!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Object.keys(a!)).toEqual(['id', 'at', 'dialect', 'method', 'path', 'status', 'duration_ms', 'user', 'decision', 'fault']);
  });

  it('an entry adds the request (with its query) and the response, headers and bodies', async () => {
    const journal = createJournal();
    const fetch = wrap('flask', async (request) => new Response(`got ${await request.text()}`, { status: 201, headers: { 'x-reply': 'yes' } }), [journal.layer]);
    const sent = await sendTo(fetch, 'POST', '/echo?page=2', { body: 'hello', headers: { 'content-type': 'text/plain', 'x-custom': 'c' } });
    expect(sent.text).toBe('got hello'); // the dialect read the whole body though the journal read it too
    const entry = journal.get(1)!;
    expect(entry.request).toEqual({ headers: { 'content-type': 'text/plain', 'content-length': '5', 'x-custom': 'c' }, body: 'hello', encoding: 'utf8', truncated: false, query: 'page=2' });
    expect(entry.response).toMatchObject({ body: 'got hello', encoding: 'utf8', truncated: false, headers: { 'x-reply': 'yes' } });
    expect(journal.get(2)).toBeUndefined();
  });

  it('binary bodies are base64', async () => {
    const journal = createJournal();
    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x41]);
    const fetch = wrap('flask', () => new Response(bytes), [journal.layer]);
    await sendTo(fetch, 'POST', '/bin', { body: bytes });
    const entry = journal.get(1)!;
    expect(entry.request).toMatchObject({ body: Buffer.from(bytes).toString('base64'), encoding: 'base64' });
    expect(entry.response).toMatchObject({ body: Buffer.from(bytes).toString('base64'), encoding: 'base64' });
  });

  it('a fetch that throws is recorded as the 500 the server answers, and the error goes on', async () => {
    const journal = createJournal();
    const fetch = wrap('fastapi', () => Promise.reject(new Error('boom')), [journal.layer]);
    await expect(fetch(new Request('http://localhost/x'))).rejects.toThrow('boom');
    expect(journal.list()[0]).toMatchObject({ status: 500 });
  });
});

describe('journal: bodies over the limit', () => {
  it('keeps the first 64 KiB of each, truncated: true; the dialect and the client get every byte', async () => {
    const journal = createJournal();
    const big = 'a'.repeat(70 * 1024);
    const fetch = wrap('flask', async (request) => new Response(`${await request.text()}!`), [journal.layer]);
    const sent = await sendTo(fetch, 'POST', '/big', { body: big });
    expect(sent.text).toBe(`${big}!`);
    const entry = journal.get(1)!;
    expect(entry.request.truncated).toBe(true);
    expect(entry.request.body).toHaveLength(64 * 1024);
    expect(entry.response.truncated).toBe(true);
    expect(entry.response.body).toHaveLength(64 * 1024);
  });

  it('a cut inside a UTF-8 character leaves that character out (still utf8)', async () => {
    const journal = createJournal({ bodyLimit: 4 });
    const fetch = wrap('flask', () => new Response('ab张三'), [journal.layer]);
    expect((await sendTo(fetch, 'GET', '/')).text).toBe('ab张三');
    expect(journal.get(1)!.response).toMatchObject({ body: 'ab', encoding: 'utf8', truncated: true });
  });

  it('a streamed answer longer than the limit is passed on whole, from where the journal stopped reading', async () => {
    const journal = createJournal({ bodyLimit: 10 });
    const parts = ['0123456789', 'abcdefghij', 'KLMNO'];
    const fetch = wrap('flask', () => new Response(new ReadableStream({ pull: (c) => (parts.length ? c.enqueue(new TextEncoder().encode(parts.shift())) : c.close()) })), [journal.layer]);
    expect((await sendTo(fetch, 'GET', '/')).text).toBe('0123456789abcdefghijKLMNO');
    expect(journal.get(1)!.response).toMatchObject({ body: '0123456789', truncated: true });
  });

  it('a request body still arriving when the answer is ready is not waited for', async () => {
    const journal = createJournal();
    const never = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('part')) }); // never closed
    const request = new Request('http://localhost/x', { method: 'POST', body: never, duplex: 'half' } as RequestInit);
    const incoming = { complete: false, headers: { 'content-length': '100' } }; // as the node server's env has it
    const fetch = wrap('v1auth', () => new Response('early', { status: 413 }), [journal.layer]);
    const response = await fetch(request, { incoming });
    expect(response.status).toBe(413);
    expect(journal.get(1)!.request.truncated).toBe(true);
  });
});

describe('journal: the ring', () => {
  it('holds 1000 entries; the oldest go, ids go on', async () => {
    const journal = createJournal();
    const fetch = wrap('fastapi', () => new Response(null, { status: 204 }), [journal.layer]);
    for (let i = 0; i < 1005; i++) await fetch(new Request(`http://localhost/n/${i}`));
    expect(journal.count()).toBe(1000);
    expect(journal.get(5)).toBeUndefined();
    expect(journal.get(6)!.path).toBe('/n/5');
    expect(journal.get(1005)!.path).toBe('/n/1004');
    const all = journal.list({ limit: 1000 });
    expect(all[0]!.id).toBe(6);
    expect(all.at(-1)!.id).toBe(1005);
    expect(journal.list().map((s) => s.id)).toEqual(Array.from({ length: 100 }, (_, i) => 906 + i)); // default 100, the newest
  });

  it('clear forgets the entries, not the ids', async () => {
    const journal = createJournal({ limit: 3 });
    const fetch = wrap('fastapi', ok, [journal.layer]);
    await sendTo(fetch, 'GET', '/1');
    await sendTo(fetch, 'GET', '/2');
    journal.clear();
    expect(journal.list()).toEqual([]);
    expect(journal.get(2)).toBeUndefined();
    await sendTo(fetch, 'GET', '/3');
    expect(journal.list().map((s) => s.id)).toEqual([3]);
  });
});

describe('journal: filters', () => {
  async function filled() {
    const clock = clockAt(T0);
    const journal = createJournal({ now: clock.now });
    const v1 = wrap('v1auth', statusApp, [journal.layer]);
    const fa = wrap('fastapi', statusApp, [journal.layer]);
    await sendTo(v1, 'GET', '/api/v1/auth/users/200?user=admin'); // 1
    clock.t += 1000;
    await sendTo(v1, 'POST', '/api/v1/auth/users/7/401'); // 2
    clock.t += 1000;
    await sendTo(fa, 'GET', '/api/v1/base/403?user=lisi'); // 3
    await sendTo(fa, 'PUT', '/api/v1/base/500'); // 4
    return journal;
  }
  const ids = (xs: { id: number }[]) => xs.map((x) => x.id);

  it('dialect, method, user', async () => {
    const j = await filled();
    expect(ids(j.list({ dialect: 'fastapi' }))).toEqual([3, 4]);
    expect(ids(j.list({ method: 'post' }))).toEqual([2]);
    expect(ids(j.list({ user: 'lisi' }))).toEqual([3]);
    expect(j.list({ user: 'admin' })[0]!.user).toBe('admin');
  });

  it('status: exact or a class', async () => {
    const j = await filled();
    expect(ids(j.list({ status: '401' }))).toEqual([2]);
    expect(ids(j.list({ status: 403 }))).toEqual([3]);
    expect(ids(j.list({ status: '4xx' }))).toEqual([2, 3]);
    expect(ids(j.list({ status: '5XX' }))).toEqual([4]);
    expect(() => j.list({ status: '4x' })).toThrow(InvalidFilterError);
    expect(() => j.list({ status: '600' })).toThrow(InvalidFilterError);
  });

  it('path patterns', async () => {
    const j = await filled();
    expect(ids(j.list({ path: '/api/v1/auth/**' }))).toEqual([1, 2]);
    expect(ids(j.list({ path: '/api/v1/auth/users/*' }))).toEqual([1]);
    expect(ids(j.list({ path: '/api/v1/*/users/*/*' }))).toEqual([2]);
    expect(ids(j.list({ path: '/api/*/base/*' }))).toEqual([3, 4]);
    expect(() => j.list({ path: 'nope' })).toThrow(InvalidFilterError);
  });

  it('since (wall time, inclusive), after (an id, exclusive), limit (the newest), count', async () => {
    const j = await filled();
    expect(ids(j.list({ since: T0 + 1000 }))).toEqual([2, 3, 4]);
    expect(ids(j.list({ after: 2 }))).toEqual([3, 4]);
    expect(ids(j.list({ limit: 2 }))).toEqual([3, 4]);
    expect(ids(j.list({ dialect: 'v1auth', limit: 1 }))).toEqual([2]);
    expect(j.count({ status: '4xx' })).toBe(2);
    expect(j.count({ after: 4 })).toBe(0);
    expect(() => j.list({ limit: 1001 })).toThrow(InvalidFilterError);
    expect(() => j.list({ limit: 0 })).toThrow(InvalidFilterError);
  });
});

describe('journal: decisions and faults', () => {
  it('the summary has the denial kind; explain has the reason', async () => {
    const journal = createJournal();
    const fetch = wrap('v1auth', statusApp, [journal.layer]);
    await sendTo(fetch, 'GET', '/s/401');
    await sendTo(fetch, 'GET', '/s/200');
    expect(journal.list().map((s) => s.decision)).toEqual(['token_expired', null]);
    expect(journal.explain(1)).toEqual({
      kind: 'token_expired',
      summary: 'the token expired at 2025-01-01T04:00:00.000Z (virtual clock)',
      details: { expired_at: '2025-01-01T04:00:00.000Z', clock: 'virtual' },
    });
    expect(journal.explain(2)).toBeUndefined();
    expect(journal.explain(3)).toBeUndefined();
  });

  it('names the fault rule that hit; a reset has no status', async () => {
    const journal = createJournal();
    const faults = createFaults({ random: seededRandom(1) });
    faults.add({ id: 'teapot', path: '/tea', status: 418, body: 'short and stout' });
    faults.add({ id: 'cut', path: '/cut', reset: true });
    const fetch = wrap('fastapi', ok, [journal.layer, faults.layer]);
    await sendTo(fetch, 'GET', '/tea');
    await fetch(new Request('http://localhost/cut'));
    await sendTo(fetch, 'GET', '/fine');
    expect(journal.list().map((s) => [s.path, s.status, s.fault])).toEqual([
      ['/tea', 418, 'teapot'],
      ['/cut', null, 'cut'],
      ['/fine', 200, null],
    ]);
    expect(journal.get(1)!.response.body).toBe('short and stout');
  });
});
