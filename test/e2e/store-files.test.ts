// Issue 8 item 8: the store and its -wal/-shm hold password hashes and temporary passwords; only the owner reads them.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/main.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'dialectgate-files-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The usual umask, so a 0644 file would show if the gateway relied on the environment.
let umask: number;
beforeEach(() => void (umask = process.umask(0o022)));
afterEach(() => void process.umask(umask));

const FREE_PORTS = ['--port-fastapi', '0', '--port-flask', '0', '--port-v1auth', '0', '--port-openapi', '0'];
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const modes = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, mode(join(dir, f))]));
const ALL_PRIVATE = { 'gateway.db': '600', 'gateway.db-shm': '600', 'gateway.db-wal': '600', 'gateway.pid': '600', 'secrets.json': '600' };

async function run(dataDir: string) {
  const lines: string[] = [];
  const gw = await startGateway(loadConfig(['--data-dir', dataDir, ...FREE_PORTS, '--only', 'fastapi'], {}), { log: (l) => lines.push(l) });
  // A login writes a session, so the WAL is in use.
  const r = await fetch(`${gw.listeners[0]!.url}/api/v1/base/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'password123' }),
  });
  expect(r.status).toBe(200);
  return { gw, warnings: lines.filter((l) => l.startsWith('warning: data directory')) };
}

describe('files at rest', () => {
  it('a fresh data directory is 0700, every file in it 0600, and nothing is warned', async () => {
    const dataDir = join(tempDir(), 'data');
    const { gw, warnings } = await run(dataDir);
    expect(mode(dataDir)).toBe('700');
    expect(modes(dataDir)).toEqual(ALL_PRIVATE);
    expect(warnings).toEqual([]);
    await gw.close();
    const again = await run(dataDir); // -wal and -shm are made again on the next open
    expect(modes(dataDir)).toEqual(ALL_PRIVATE);
    expect(again.warnings).toEqual([]);
    await again.gw.close();
  });

  it('a pre-existing 0755 directory gets one warning; files left 0644 by an older version are narrowed to 0600', async () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    const first = await run(dataDir);
    expect(modes(dataDir)).toEqual(ALL_PRIVATE);
    expect(first.warnings).toEqual([`warning: data directory ${dataDir} is mode 0755, open to other users; chmod 700 it (the files in it are 0600)`]);
    await first.gw.close();

    for (const f of readdirSync(dataDir)) chmodSync(join(dataDir, f), 0o644);
    const second = await run(dataDir);
    expect(modes(dataDir)).toEqual(ALL_PRIVATE);
    expect(second.warnings).toHaveLength(1);
    expect(mode(dataDir)).toBe('755'); // warned about, not changed behind the operator's back
    await second.gw.close();
  });
});

describe('a gateway in memory (the test helper default)', () => {
  it('serves from SQLite in memory and leaves no file in the data directory', async () => {
    const dataDir = join(tempDir(), 'never-made');
    const lines: string[] = [];
    const gw = await startGateway(loadConfig(['--data-dir', dataDir, ...FREE_PORTS, '--only', 'fastapi', '--admin-host', '0.0.0.0'], {}), {
      memory: true,
      log: (l) => lines.push(l),
      warn: () => undefined,
    });
    try {
      const r = await fetch(`${gw.listeners[0]!.url}/api/v1/base/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'password123' }),
      });
      expect(r.status).toBe(200);
      expect(lines).toContain('seeded SQLite in memory with the development fixtures (fixtures/dev.json)');
      // Beyond loopback the generated admin token is printed but saved nowhere.
      expect(lines.some((l) => /^admin token: \S{43}$/.test(l))).toBe(true);
    } finally {
      await gw.close();
    }
    expect(() => readdirSync(dataDir)).toThrow(/ENOENT/);
  });
});
