// Issue 8 item 9: a client that trickles its headers or its body is cut within the configured bound,
// while the same process keeps answering everyone else.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { abortedRequests } from '../../src/http/aborts.ts';
import { KEEP_ALIVE_TIMEOUT_MS, MAX_REQUESTS_PER_SOCKET } from '../../src/http/serve.ts';
import { startGateway, type Gateway } from '../../src/main.ts';

const HEADERS_MS = 300;
const REQUEST_MS = 600;
const CHECK_MS = 150; // min(1000, 300 / 2): how often Node looks for expired connections
const SLACK_MS = 250; // a loaded CI machine

const dataDir = mkdtempSync(join(tmpdir(), 'dialectgate-slow-'));
const lines: string[] = [];
let gw: Gateway;
let errors: ReturnType<typeof vi.spyOn>;
const port = (name: string) => gw.listeners.find((l) => l.name === name)!.port;

beforeAll(async () => {
  errors = vi.spyOn(console, 'error');
  const ports = ['fastapi', 'flask', 'v1auth', 'openapi'].flatMap((n) => [`--port-${n}`, '0']);
  const argv = ['--data-dir', dataDir, ...ports, '--rate-limits', 'off', '--headers-timeout-ms', String(HEADERS_MS), '--request-timeout-ms', String(REQUEST_MS)];
  gw = await startGateway(loadConfig(argv, {}), { log: (l) => lines.push(l) });
});
afterAll(async () => {
  await gw?.close();
  errors.mockRestore();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Cut {
  ms: number;
  reply: string;
}

/**
 * Opens a socket, writes `head` at once, then one byte of `trickle` every 40 ms (never finishing it);
 * resolves when the server closes the socket, with how long that took and what it answered.
 */
function trickle(to: number, head: string, trickle: string, giveUpMs = 5000): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(to, '127.0.0.1');
    let reply = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${giveUpMs} ms`));
    }, giveUpMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (reply += d));
    socket.on('error', () => {}); // a reset is a cut too
    socket.once('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (i < trickle.length && socket.writable) socket.write(trickle[i++]!);
      }, 40);
    });
    socket.once('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ ms: Math.round(performance.now() - started), reply });
    });
  });
}

/** Sequential fastapi health checks (one every ~25 ms) until `until` settles, at least `n`; each answer's time in ms. */
async function healthTimes(n: number, until?: Promise<unknown>): Promise<number[]> {
  let settled = until === undefined;
  void until?.finally(() => (settled = true));
  const times: number[] = [];
  for (let k = 0; k < n || !settled; k++) {
    if (k > 0) await new Promise((r) => setTimeout(r, 25)); // pace, so the checks span the slow clients' lifetime
    const t = performance.now();
    const r = await fetch(`http://127.0.0.1:${port('fastapi')}/api/v1/base/health`);
    expect(r.status).toBe(200);
    await r.text();
    times.push(performance.now() - t);
  }
  return times;
}

describe('slow clients on real ports (300 ms headers, 600 ms request)', () => {
  it('the servers carry the configured timeouts and the keep-alive caps', () => {
    for (const { server } of gw.listeners) {
      expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxRequestsPerSocket]).toEqual([
        HEADERS_MS,
        REQUEST_MS,
        KEEP_ALIVE_TIMEOUT_MS,
        MAX_REQUESTS_PER_SOCKET,
      ]);
    }
  });

  it('a trickled body is cut after the request timeout, trickled headers after the headers timeout; health stays fast', async () => {
    // Warm every app (Hono builds its router on the first request) and the health path.
    await Promise.all(gw.listeners.map((l) => fetch(`${l.url}/warm-up`).then((r) => r.text())));
    await healthTimes(3);
    const before = abortedRequests().total;
    const body = '{"username":"admin","password":"' + 'x'.repeat(200);
    const slowBody = (p: number, path: string) =>
      trickle(p, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`, body);
    const slowHeaders = (p: number) => trickle(p, 'POST /api/auth/login HTTP/1.1\r\n', 'Host: x\r\nContent-Type: application/json\r\nX-Padding: ' + 'y'.repeat(200));
    const idle = (p: number) => trickle(p, '', '');
    const cuts = Promise.all([
      slowBody(port('flask'), '/api/auth/login'),
      slowBody(port('v1auth'), '/api/v1/auth/login'),
      slowBody(port('fastapi'), '/api/v1/base/access_token'),
      slowHeaders(port('flask')),
      slowHeaders(port('fastapi')),
      idle(port('openapi')),
    ]);
    const health = await healthTimes(10, cuts);
    const [flaskBody, v1authBody, fastapiBody, flaskHeaders, fastapiHeaders, idleCut] = await cuts;
    if (process.env.SHOW_CUTS) console.info({ flaskBody, v1authBody, fastapiBody, flaskHeaders, fastapiHeaders, idleCut }, health.map(Math.round));

    for (const cut of [flaskBody, v1authBody, fastapiBody]) {
      expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
      expect(cut.ms).toBeLessThanOrEqual(REQUEST_MS + CHECK_MS + SLACK_MS);
      expect(cut.reply === '' || cut.reply.startsWith('HTTP/1.1 408 ')).toBe(true);
    }
    for (const cut of [flaskHeaders, fastapiHeaders, idleCut]) {
      expect(cut.ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
      expect(cut.ms).toBeLessThanOrEqual(HEADERS_MS + CHECK_MS + SLACK_MS);
      expect(cut.reply === '' || cut.reply.startsWith('HTTP/1.1 408 ')).toBe(true);
    }
    expect(Math.max(...health)).toBeLessThan(100);
    // The three cut bodies had reached a handler: counted as aborts, not logged as unhandled.
    await vi.waitFor(() => expect(abortedRequests().total - before).toBe(3), { timeout: 2000 });
    expect(errors.mock.calls.flat().join('\n')).not.toContain('unhandled');
  });

  it('a timeout shorter than the headers timeout, or not a number, is refused at start-up', () => {
    expect(() => loadConfig(['--request-timeout-ms', '5000'], {})).toThrow('--request-timeout-ms: expected no less than the headers timeout (10000 ms), got 5000');
    expect(() => loadConfig([], { DIALECTGATE_HEADERS_TIMEOUT_MS: '1s' })).toThrow('DIALECTGATE_HEADERS_TIMEOUT_MS: expected a whole number of milliseconds, got 1s');
    expect(() => loadConfig(['--headers-timeout-ms', '0'], {})).toThrow('--headers-timeout-ms: expected at least 1 ms, got 0');
    const c = loadConfig([], { DIALECTGATE_HEADERS_TIMEOUT_MS: '2000', DIALECTGATE_REQUEST_TIMEOUT_MS: '4000' });
    expect([c.headersTimeoutMs, c.requestTimeoutMs]).toEqual([2000, 4000]);
    expect([loadConfig([], {}).headersTimeoutMs, loadConfig([], {}).requestTimeoutMs]).toEqual([10_000, 30_000]);
  });
});
