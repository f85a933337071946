// Fault rules in front of the real dialects, layered as the listener chain does (journal → faults → dialect), and
// over a real socket for the connection reset. Delays are real and small; only "at least the delay" is asserted.
import { serve } from '@hono/node-server';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/ports.ts';
import { createFaults, type Faults } from '../../src/http/faults.ts';
import { createJournal, type Journal } from '../../src/http/journal.ts';
import { peekResponse } from '../../src/http/node-response.ts';
import { wrap, type Fetch } from '../../src/http/listener.ts';
import type { DialectName } from '../../src/config.ts';
import { makeGateway, type TestGateway } from '../helpers/harness.ts';
import { sendTo } from '../helpers/layers.ts';

let gw: TestGateway;
let journal: Journal;
let faults: Faults;
let door: (name: DialectName) => Fetch;
beforeEach(async () => {
  gw = await makeGateway();
  journal = createJournal();
  faults = createFaults({ random: seededRandom(1) });
  door = (name) => wrap(name, gw.app(name).fetch, [journal.layer, faults.layer]);
});

const v1Login = async () => (await sendTo(door('v1auth'), 'POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'password123' } })).json.data.token as string;

describe('faults in front of the dialects', () => {
  it('before: the handler never runs (a wrong password is not even counted)', async () => {
    faults.add({ id: 'down', dialect: 'v1auth', method: 'POST', path: '/api/v1/auth/login', status: 503, body: '{"maintenance":true}', times: 1 });
    const r = await sendTo(door('v1auth'), 'POST', '/api/v1/auth/login', { json: { username: 'lisi', password: 'wrong' } });
    expect([r.status, r.text]).toEqual([503, '{"maintenance":true}']);
    const lisi = (await gw.store.users.byUsername('lisi'))!;
    expect(await gw.store.auth.state(lisi.id)).toBeUndefined();
    expect(journal.list().map((s) => [s.status, s.fault, s.decision])).toEqual([[503, 'down', null]]);
    expect(faults.list()).toEqual([]); // times: 1
    expect((await sendTo(door('v1auth'), 'POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'password123' } })).status).toBe(200);
  });

  it('after: a v1auth user create commits though the client gets the fault', async () => {
    const token = await v1Login();
    faults.add({ id: 'lost-answer', dialect: 'v1auth', method: 'POST', path: '/api/v1/auth/users', phase: 'after', status: 502 });
    const created = await sendTo(door('v1auth'), 'POST', '/api/v1/auth/users', { token, json: { username: 'ghost', email: 'ghost@example.com', password: 'Gh0st-pass!', roles: ['user'] } });
    expect(created.status).toBe(502);
    expect(await gw.store.users.byUsername('ghost')).toMatchObject({ username: 'ghost' });
    // The retry a client makes meets the committed row.
    faults.clear();
    const again = await sendTo(door('v1auth'), 'POST', '/api/v1/auth/users', { token, json: { username: 'ghost', email: 'ghost@example.com', password: 'Gh0st-pass!', roles: ['user'] } });
    expect(again.status).toBe(409); // the username is taken
    expect(journal.list().slice(-2).map((s) => [s.status, s.fault])).toEqual([
      [502, 'lost-answer'],
      [409, null],
    ]);
  });

  it('a rule for one route leaves the others of the same door alone', async () => {
    faults.add({ dialect: 'fastapi', path: '/api/v1/base/userinfo', status: 500 });
    const health = await sendTo(door('fastapi'), 'GET', '/api/v1/base/health');
    expect(health.status).toBe(200);
    expect((await sendTo(door('fastapi'), 'GET', '/api/v1/base/userinfo')).status).toBe(500);
    expect((await sendTo(door('flask'), 'GET', '/api/v1/base/userinfo')).status).not.toBe(500);
  });
});

describe('faults over a real socket', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  async function listen(fetch: Fetch): Promise<number> {
    const s = serve({ fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    server = s;
    await new Promise<void>((r) => s.once('listening', () => r()));
    return (s.address() as AddressInfo).port;
  }

  /** One request on a fresh connection: the answer, or the socket error. */
  const get = (port: number, path: string) =>
    new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
        res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      });
      req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      req.end();
    });

  it('reset: destroys the connection (before or after the handler); the server goes on', async () => {
    const port = await listen(door('fastapi'));
    faults.add({ id: 'cut', path: '/api/v1/base/health', reset: true, times: 1 });
    faults.add({ id: 'cut-after', path: '/api/v1/base/userinfo', reset: true, phase: 'after', times: 1 });
    expect(await get(port, '/api/v1/base/health')).toEqual({ error: 'ECONNRESET' });
    expect(await get(port, '/api/v1/base/userinfo')).toEqual({ error: 'ECONNRESET' });
    expect(await get(port, '/api/v1/base/health')).toMatchObject({ status: 200 });
    expect(journal.list().map((s) => [s.path, s.status, s.fault])).toEqual([
      ['/api/v1/base/health', null, 'cut'],
      ['/api/v1/base/userinfo', null, 'cut-after'],
      ['/api/v1/base/health', 200, null],
    ]);
  });

  it('delay: the real answer, at least delay_ms later (wall time, whatever the virtual clock does)', async () => {
    const port = await listen(door('fastapi'));
    faults.add({ path: '/api/v1/base/health', delay_ms: 40 });
    gw.clock.advance(3_600_000);
    const t0 = performance.now();
    const r = await get(port, '/api/v1/base/health');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(39);
    expect(r.status).toBe(200);
    expect(journal.list()[0]!.duration_ms).toBeGreaterThanOrEqual(39);
    expect(journal.get(1)!.response.body).toBe(r.body);
  });

  /** A v1auth login over the socket; `chunked`: the body streamed without a Content-Length. */
  async function login(port: number, password: string, chunked = false) {
    const body = JSON.stringify({ username: 'admin', password });
    const headers = { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }) };
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/auth/login', method: 'POST', agent: false, headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      if (chunked) req.write(body.slice(0, 10));
      req.end(chunked ? body.slice(10) : body);
    });
  }

  it('the journal over a socket: request bodies read beside the dialect, redacted', async () => {
    const port = await listen(door('v1auth'));
    expect((await login(port, 'password123')).status).toBe(200);
    const entry = journal.get(1)!;
    expect(entry).toMatchObject({ user: 'admin', status: 200 });
    expect(entry.request.body).toBe('{"username":"admin","password":"[REDACTED]"}');
    expect(entry.response.body).toContain('"token":"[REDACTED]"');
  });

  it('a chunked body keeps its user and decision (Hono bodyLimit rewraps c.req.raw)', async () => {
    const port = await listen(door('v1auth'));
    expect((await login(port, 'wrong', true)).status).toBe(401);
    expect(journal.get(1)!.request.body).toBe('{"username":"admin","password":"[REDACTED]"}');
    expect(journal.list()[0]).toMatchObject({ user: 'admin', decision: 'invalid_credentials' });
  });

  it('journal on: a bodiless request answered from memory stays synchronous, the very response handed on', async () => {
    await listen(door('fastapi')); // the node server puts its lightweight Response in place of the global one
    const answer = new Response('{"access_token":"abc"}', { headers: { 'content-type': 'application/json', 'set-cookie': 'sid=1; HttpOnly' } });
    expect(peekResponse(answer)).toMatchObject({ status: 200, body: '{"access_token":"abc"}' });
    const j = createJournal({ bodyLimit: 1024 });
    expect(j.layer('fastapi', () => answer)(new Request('http://localhost/x'))).toBe(answer);
    expect(j.get(1)!.response).toEqual({ headers: { 'content-type': 'application/json', 'set-cookie': 'sid=[REDACTED]; HttpOnly' }, body: '{"access_token":"[REDACTED]"}', encoding: 'utf8', truncated: false });
    const big = new Response('张'.repeat(400)); // 1200 bytes: cut at 1024, inside no character
    expect(j.layer('fastapi', () => big)(new Request('http://localhost/big'))).toBe(big);
    expect(j.get(2)!.response).toMatchObject({ headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: '张'.repeat(341), truncated: true });
    expect(await big.text()).toBe('张'.repeat(400)); // untouched
  });
});
