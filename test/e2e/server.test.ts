import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/main.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'dialectgate-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const FREE_PORTS = ['--port-fastapi', '0', '--port-flask', '0', '--port-v1auth', '0', '--port-openapi', '0'];
const config = (dataDir: string) => loadConfig(['--data-dir', dataDir, ...FREE_PORTS, '--rate-limits', 'off'], {});
const login = (base: string, password = 'password123') =>
  fetch(`${base}/api/v1/base/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });

describe('the real server on free ports', () => {
  it('seeds on first start, keeps 0600 secrets, and a token survives a restart', async () => {
    const dataDir = tempDir();
    const first = await startGateway(config(dataDir));
    const base = first.listeners[0]!.url;
    const r = await login(base);
    expect(r.status).toBe(200);
    const { access_token } = (await r.json()).data;
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const keys = Object.values(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>);
    expect(new Set(keys).size).toBe(keys.length); // one key per dialect
    expect(keys.every((k) => Buffer.from(k, 'base64url').length === 32)).toBe(true);
    await first.close();

    const second = await startGateway(config(dataDir));
    const me = await fetch(`${second.listeners[0]!.url}/api/v1/base/userinfo`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).data.username).toBe('admin');
    await second.close();
  });

  it('a user created over HTTP is in the store after a restart (no lost write)', async () => {
    const dataDir = tempDir();
    const gw = await startGateway(config(dataDir));
    const base = gw.listeners[0]!.url;
    const { access_token } = (await (await login(base)).json()).data;
    const created = await fetch(`${base}/api/v1/users/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ email: 'e2e@example.com', username: 'e2e_user', password: 'e2e12345' }),
    });
    expect(await created.text()).toBe('{"code":200,"msg":"Created Successfully","data":null}');
    await gw.close();
    const again = await startGateway(config(dataDir));
    expect((await again.core.users.byUsername('e2e_user'))?.email).toBe('e2e@example.com');
    await again.close();
  });

  it('finishes in-flight requests on close', async () => {
    const gw = await startGateway(config(tempDir()));
    const received = once(gw.listeners[0]!.server, 'request');
    const pending = login(gw.listeners[0]!.url); // an argon2 verify will be in flight
    await received;
    const closing = gw.close();
    expect((await pending).status).toBe(200);
    await closing;
  });

  it('--only serves just the named dialects, and names a wrong one clearly', async () => {
    const gw = await startGateway(loadConfig(['--data-dir', tempDir(), ...FREE_PORTS, '--only', 'flask,openapi'], {}));
    expect(gw.listeners.map((l) => l.name)).toEqual(['flask', 'openapi']);
    await gw.close();
    expect(() => loadConfig(['--only', 'flask,soap'], {})).toThrow('--only: expected dialects among fastapi, flask, v1auth, openapi, got soap');
  });

  it('a taken port is a clear error', async () => {
    const gw = await startGateway(config(tempDir()));
    const port = String(gw.listeners[0]!.port);
    await expect(startGateway(loadConfig(['--data-dir', tempDir(), '--port-fastapi', port, '--port-flask', '0', '--port-v1auth', '0', '--port-openapi', '0'], {}))).rejects.toThrow(`port ${port} is already in use`);
    await gw.close();
  });
});

describe('flask on a real port', () => {
  it('writes Werkzeug\'s upper-case reason phrases on the status line', async () => {
    const gw = await startGateway(config(tempDir()));
    const flask = gw.listeners.find((l) => l.name === 'flask')!;
    const statusLine = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(`${flask.url}${path}`, { method: 'POST' }, (res) => {
          res.resume();
          resolve(`${res.statusCode} ${res.statusMessage}`);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusLine('/api/auth/refresh')).toBe('401 UNAUTHORIZED');
    expect(await statusLine('/api/auth/login')).toBe('415 UNSUPPORTED MEDIA TYPE');
    expect(await statusLine('/api/auth/nope')).toBe('404 NOT FOUND');
    await gw.close();
  });
});

describe('v1auth on a real port', () => {
  it('API-key uses made over HTTP are in the stats after a restart (batched, flushed at close)', async () => {
    const dataDir = tempDir();
    const gw = await startGateway(config(dataDir));
    const base = `${gw.listeners.find((l) => l.name === 'v1auth')!.url}/api/v1/auth`;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((r) => r.json());
    const token = (await post('/login', { username: 'opsuser', password: 'Ops12345!' })).data.token;
    const key = (await post('/api-keys', { name: 'e2e', permissions: ['read'] }, { authorization: `Bearer ${token}` })).data;
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/users/7`, { headers: { 'x-api-key': key.key } })).status).toBe(200);
    await gw.close();
    const again = await startGateway(config(dataDir));
    const s = (await again.core.apiKeys.stats(Number(key.id), 86_400_000));
    expect([s.total, s.success, s.lastIp]).toEqual([3, 3, '127.0.0.1']);
    await again.close();
  });

  it('a bad retention value is refused at start-up', () => {
    expect(() => loadConfig(['--usage-retention-days', '0'], {})).toThrow('--usage-retention-days: expected at least 1 day, got 0');
  });
});

describe('body limit on real sockets', () => {
  const big = 'x'.repeat(2 * 1024 * 1024);
  const streamed = () => {
    let sent = 0;
    return new ReadableStream({
      pull(ctrl) {
        if (sent++ >= 40) ctrl.close();
        else ctrl.enqueue(new TextEncoder().encode(big.slice(0, 64 * 1024)));
      },
    });
  };

  it('refuses 2 MiB with a Content-Length, and 2.5 MiB streamed chunked, on both dialects', async () => {
    const gw = await startGateway(config(tempDir()));
    const url = (name: string) => gw.listeners.find((l) => l.name === name)!.url;
    const targets = [`${url('fastapi')}/api/v1/base/access_token`, `${url('flask')}/api/auth/register`];
    for (const target of targets) {
      const declared = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(declared.status).toBe(413);
      // @ts-expect-error duplex is needed by Node's fetch for a stream body
      const chunked = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamed(), duplex: 'half' });
      expect(chunked.status).toBe(413);
    }
    expect((await gw.core.users.list({ page: 1, pageSize: 100 })).total).toBe(7);
    await gw.close();
  });
});

describe('npm start entry point', () => {
  it('prints one line per listener, serves, and exits 0 on SIGTERM', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--data-dir', dataDir, ...FREE_PORTS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const urls: Record<string, string> = {};
    for await (const line of createInterface({ input: child.stdout! })) {
      const m = /^(\w+)\s+(http:\/\/\S+)$/.exec(line);
      if (m) urls[m[1]!] = m[2]!;
      if (line.startsWith('ready in')) break;
    }
    expect(Object.keys(urls)).toEqual(['fastapi', 'flask', 'v1auth', 'openapi', 'admin']); // the control plane's line too
    expect(Object.values(urls).every((u) => /^http:\/\/127\.0\.0\.1:\d+$/.test(u))).toBe(true);
    const health = await fetch(`${urls.fastapi}/api/v1/base/health`);
    expect((await health.json()).database).toBe('connected');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a bad flag value stops start-up with a clear message and exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port-fastapi', 'eighty', '--tz', 'Mars/Base'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('--port-fastapi: expected 0..65535, got eighty');
    expect(err).toContain('--tz: expected an IANA time zone such as Asia/Shanghai, got Mars/Base');
  });
});
