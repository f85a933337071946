// Issue 8 item 11: a client that gives up mid-body is counted, not logged as an unhandled error.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { abortedRequests } from '../../src/http/aborts.ts';
import { startGateway, type Gateway } from '../../src/main.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'dialectgate-aborts-'));
const lines: string[] = [];
let gw: Gateway;
const said: string[] = [];
const spies: ReturnType<typeof vi.spyOn>[] = [];
const listener = (name: string) => gw.listeners.find((l) => l.name === name)!;

beforeAll(async () => {
  // Hono's adapter reports some aborts with console.info, the dialects' error handlers with console.error.
  for (const level of ['error', 'warn', 'info', 'log'] as const) {
    spies.push(vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void said.push(args.map(String).join(' '))));
  }
  const ports = ['fastapi', 'flask', 'v1auth', 'openapi'].flatMap((n) => [`--port-${n}`, '0']);
  gw = await startGateway(loadConfig(['--data-dir', dataDir, ...ports, '--rate-limits', 'off'], {}), { log: (l) => lines.push(l) });
});
afterAll(async () => {
  await gw?.close();
  spies.forEach((s) => s.mockRestore());
  rmSync(dataDir, { recursive: true, force: true });
});

/** Announces 100000 bytes, sends half, and once the server has the request, drops the socket. */
async function abortMidBody(name: string, path: string): Promise<void> {
  const { server, port } = listener(name);
  const arrived = new Promise<IncomingMessage>((resolve) => {
    const onRequest = (req: IncomingMessage) => {
      if (req.url !== path) return;
      server.off('request', onRequest);
      resolve(req);
    };
    server.on('request', onRequest);
  });
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"username":"` + 'a'.repeat(50_000));
  const req = await arrived;
  const gone = new Promise((resolve) => req.once('close', resolve)); // not once(): it rejects on the abort's 'error'
  socket.destroy();
  await gone;
}

const login = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);

describe('clients that abort a body mid-way', () => {
  it('20 aborts on flask and v1auth: counted, zero "unhandled" lines, and the servers still serve', async () => {
    const before = abortedRequests();
    for (let i = 0; i < 10; i++) {
      await abortMidBody('flask', '/api/auth/login');
      await abortMidBody('v1auth', '/api/v1/auth/login');
    }
    await vi.waitFor(() => expect(abortedRequests().total - before.total).toBe(20), { timeout: 2000 });
    const after = abortedRequests();
    expect((after.byListener.flask ?? 0) - (before.byListener.flask ?? 0)).toBe(10);
    expect((after.byListener.v1auth ?? 0) - (before.byListener.v1auth ?? 0)).toBe(10);

    expect(await login(`${listener('flask').url}/api/auth/login`, { username: 'admin', password: 'password123' })).toBe(200);
    expect(await login(`${listener('v1auth').url}/api/v1/auth/login`, { username: 'admin', password: 'password123' })).toBe(200);
    expect(await login(`${listener('fastapi').url}/api/v1/base/access_token`, { username: 'admin', password: 'password123' })).toBe(200);

    expect([...said, ...lines].filter((l) => /unhandled|aborted/i.test(l))).toEqual([]);
  });

  it('a real error is still reported as unhandled (only aborts are silenced)', async () => {
    const { isClientAbort } = await import('../../src/http/aborts.ts');
    const complete = { complete: true, destroyed: true } as unknown as IncomingMessage;
    const midBody = { complete: false, destroyed: true, errored: null } as unknown as IncomingMessage;
    const ctx = (incoming?: IncomingMessage) => ({ env: { incoming } }) as never;
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(isClientAbort(aborted, ctx(midBody))).toBe(true);
    expect(isClientAbort(aborted, ctx(complete))).toBe(false); // the body had arrived: not an abort
    expect(isClientAbort(new TypeError('x is undefined'), ctx(midBody))).toBe(false);
    expect(isClientAbort(aborted, ctx())).toBe(false); // app.request() in tests: no socket at all
  });
});
