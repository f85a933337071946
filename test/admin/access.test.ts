// Access rules (spec §1): loopback by default; a token beyond loopback (configured, else <data-dir>/admin-token,
// else generated 0600 and printed once); a configured token on loopback too; health always open; a foreign Origin or
// a non-loopback Host on loopback: 403. Then the real listener: started by startGateway, printed like the others.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, resolveToken } from '../../src/admin/access.ts';
import { loadConfig } from '../../src/config.ts';
import { seededRandom } from '../../src/core/ports.ts';
import { startGateway } from '../../src/main.ts';
import { makeRig, tempDir } from './support.ts';

const TOKEN = 'a-test-admin-token-0123456789';
const FREE_PORTS = ['fastapi', 'flask', 'v1auth', 'openapi'].flatMap((n) => [`--port-${n}`, '0']);

describe('access rules (no server)', () => {
  it('loopback without a configured token: open', async () => {
    const rig = await makeRig();
    expect((await rig.admin('GET', '/__admin/clock')).status).toBe(200);
  });

  it('a configured token is required on loopback too, for all but GET /__admin/health', async () => {
    const rig = await makeRig({ access: { loopback: true, token: TOKEN } });
    const none = await rig.admin('GET', '/__admin/clock');
    expect([none.status, none.json.error.code]).toEqual([401, 'unauthorized']);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await rig.admin('POST', '/__admin/reset', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await rig.admin('GET', '/__admin/clock', { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    expect((await rig.admin('GET', '/__admin/clock', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/clock', { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/health')).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/version')).status).toBe(401);
  });

  it('beyond loopback: the token, and any Host', async () => {
    const rig = await makeRig({ access: { loopback: false, token: TOKEN } });
    expect((await rig.admin('GET', '/__admin/outbox', { headers: { host: 'gateway.internal:8900' } })).status).toBe(401);
    expect((await rig.admin('GET', '/__admin/outbox', { headers: { host: 'gateway.internal:8900', authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('on loopback a non-loopback Host is 403 (DNS rebinding); a foreign Origin is 403 anywhere', async () => {
    const rig = await makeRig();
    for (const host of ['localhost:8900', '127.0.0.1:8900', '127.1.2.3', '[::1]:8900', 'app.localhost:8900']) {
      expect((await rig.admin('GET', '/__admin/clock', { headers: { host } })).status, host).toBe(200);
    }
    for (const host of ['evil.example:8900', '10.0.0.1:8900', '[::2]:8900']) {
      const r = await rig.admin('GET', '/__admin/health', { headers: { host } });
      expect([r.status, r.json.error.code], host).toEqual([403, 'forbidden']);
    }
    const foreign = await rig.admin('POST', '/__admin/reset', { headers: { origin: 'https://evil.example' } });
    expect([foreign.status, foreign.json.error.code]).toEqual([403, 'forbidden']);
    expect((await rig.admin('GET', '/__admin/clock', { headers: { origin: 'null' } })).status).toBe(403);
    expect((await rig.admin('GET', '/__admin/clock', { headers: { origin: 'http://localhost' } })).status).toBe(200);
    expect((await rig.admin('GET', '/__admin/clock', { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();
    const beyond = await makeRig({ access: { loopback: false, token: TOKEN } });
    expect((await beyond.admin('GET', '/__admin/health', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it('loopback names', () => {
    for (const h of ['localhost', '127.0.0.1', '127.255.0.9', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.1.1.1', '128.0.0.1', 'example.com', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('the token: configured; none on loopback; beyond loopback the data directory’s, else generated 0600 once', () => {
    const dataDir = tempDir();
    const random = seededRandom(3);
    expect(resolveToken({ configured: TOKEN, loopback: false, dataDir, random })).toEqual({ token: TOKEN, source: 'configured' });
    expect(resolveToken({ loopback: true, dataDir, random })).toEqual({ source: 'none' });
    const made = resolveToken({ loopback: false, dataDir, random });
    expect(made.source).toBe('generated');
    expect(Buffer.from(made.token!, 'base64url').length).toBe(32);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(resolveToken({ loopback: false, dataDir, random })).toEqual({ token: made.token, source: 'file', file: join(dataDir, 'admin-token') });
    writeFileSync(join(dataDir, 'admin-token'), 'short\n');
    expect(() => resolveToken({ loopback: false, dataDir, random })).toThrow(/at least 16/);
  });
});

/** A raw request (node:http lets the test set Host). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('the real listener', () => {
  it('starts with the dialects on loopback, is printed like them, and applies the access rules over a socket', async () => {
    const lines: string[] = [];
    const gw = await startGateway(loadConfig(['--data-dir', tempDir(), ...FREE_PORTS, '--rate-limits', 'off'], {}), { log: (l) => lines.push(l) });
    try {
      const url = gw.admin!.listener.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(gw.admin!.listener.port).not.toBe(8900); // free ports everywhere: the admin port is free too
      expect(lines).toContain(`admin    ${url}`);
      expect(gw.listeners.map((l) => l.name)).toEqual(['fastapi', 'flask', 'v1auth', 'openapi']);
      expect(await raw(`${url}/__admin/health`)).toEqual({ status: 200, body: { status: 'ok', store: 'ok' } });
      expect((await raw(`${url}/__admin/version`)).body.urls).toEqual(Object.fromEntries([...gw.listeners, gw.admin!.listener].map((l) => [l.name, l.url])));
      expect((await raw(`${url}/__admin/clock`, { headers: { host: 'rebound.example' } })).status).toBe(403);
      expect((await raw(`${url}/__admin/reset`, { method: 'POST', headers: { origin: 'http://localhost:3000' } })).status).toBe(403);
      // never on a dialect port
      const v1 = gw.listeners.find((l) => l.name === 'v1auth')!.url;
      expect((await raw(`${v1}/__admin/health`)).status).toBe(404);

      // the spec's example over real sockets: a reset-password from v1auth, the mail waited for, its secret logs in
      const post = (path: string, body: unknown, token?: string) =>
        fetch(`${v1}/api/v1/auth${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) } }).then((r) => r.json() as Promise<any>);
      const admin = (await post('/login', { username: 'admin', password: 'password123' })).data.token;
      const waiting = fetch(`${url}/__admin/outbox/wait`, { method: 'POST', body: JSON.stringify({ to: 'lisi@example.com', kind: 'temporary_password', timeout_ms: 3000 }) }).then((r) => r.json() as Promise<any>);
      await post('/users/3/reset-password', { send_email: true }, admin);
      const mail = await waiting;
      const lisi = await post('/login', { username: 'lisi', password: mail.secret });
      expect(lisi.data?.token, JSON.stringify({ mail, lisi })).toBeTruthy();
      await fetch(`${url}/__admin/clock/advance`, { method: 'POST', body: JSON.stringify({ by: 'P1DT1S' }) });
      const old = await fetch(`${v1}/api/v1/auth/users/1`, { headers: { authorization: `Bearer ${admin}` } });
      expect(old.status).toBe(401);
    } finally {
      await gw.close();
    }
  });

  it('beyond loopback: a token is generated 0600, printed once, required; a warning on stderr; --no-admin: no plane', async () => {
    const dataDir = tempDir();
    const lines: string[] = [];
    const warnings: string[] = [];
    const argv = ['--data-dir', dataDir, ...FREE_PORTS, '--only', 'v1auth', '--admin-host', '0.0.0.0'];
    const gw = await startGateway(loadConfig(argv, {}), { log: (l) => lines.push(l), warn: (l) => warnings.push(l) });
    try {
      const file = join(dataDir, 'admin-token');
      const token = readFileSync(file, 'utf8').trim();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(lines).toContain(`admin token (saved to ${file}): ${token}`);
      expect(warnings).toEqual([`WARNING: admin plane listening on ${gw.admin!.listener.url} beyond loopback`]);
      const local = `http://127.0.0.1:${gw.admin!.listener.port}`;
      expect((await raw(`${local}/__admin/health`)).status).toBe(200);
      expect((await raw(`${local}/__admin/clock`)).status).toBe(401);
      expect((await raw(`${local}/__admin/clock`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await gw.close();
    }
    const again: string[] = [];
    const gw2 = await startGateway(loadConfig(argv, {}), { log: (l) => again.push(l), warn: () => undefined });
    try {
      expect(again.some((l) => l.startsWith('admin token'))).toBe(false); // printed once
      expect(gw2.admin!.token).toBe(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim());
    } finally {
      await gw2.close();
    }
    const off = await startGateway(loadConfig(['--data-dir', tempDir(), ...FREE_PORTS, '--no-admin'], {}));
    try {
      expect(off.admin).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});
