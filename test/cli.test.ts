// The `dialectgate` command's admin-plane clients (src/cli.ts), in process, against a stub admin plane that records
// what it is sent: the request each command line makes, JSON on stdout, and the exit codes 1 (API error), 2
// (usage), 3 (unreachable). The packaged command is run for real in test/e2e/package.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_URL, run, usage } from '../src/cli.ts';
import { packageVersion } from '../src/package.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
let server: Server;
let adminUrl: string;
let seen: Seen[] = [];
/** What the stub answers next: status, content type, body. */
let answer: { status: number; type?: string; body: string | Buffer } = { status: 200, body: '{}' };
const dir = mkdtempSync(join(tmpdir(), 'dialectgate-cli-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, answer.status === 204 ? {} : { 'content-type': answer.type ?? 'application/json; charset=utf-8' });
      res.end(answer.status === 204 ? undefined : answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  seen = [];
  answer = { status: 200, body: '{"ok":true}' };
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = Buffer.alloc(0);
  let err = '';
  const code = await run(argv, { DIALECTGATE_ADMIN_URL: adminUrl, ...env }, {
    out: (c) => (out = Buffer.concat([out, typeof c === 'string' ? Buffer.from(c) : c])),
    err: (l) => (err += `${l}\n`),
  });
  return { code, out: out.toString('utf8'), bytes: out, err };
}
const last = () => {
  const s = seen.at(-1)!;
  return { method: s.method, url: s.url, body: s.body.length ? (JSON.parse(s.body.toString()) as unknown) : undefined };
};

describe('dialectgate: --help, --version, usage errors', () => {
  it('--help and -h print the usage on stdout, exit 0; --version prints dialectgate <version>', async () => {
    for (const argv of [['--help'], ['-h'], ['serve', '--help'], ['help']]) {
      const r = await cli(argv);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toBe(`${usage}\n`);
    }
    expect(usage).toContain('--port-fastapi');
    expect(usage).toContain('snapshot create');
    expect(usage).toContain(DEFAULT_ADMIN_URL);
    expect((await cli(['--version'])).out).toBe(`dialectgate ${packageVersion()}\n`);
    expect((await cli(['clock', '--help'])).out).toContain('clock [get] | set <instant>');
  });

  it('usage errors exit 2 with the reason on stderr and send nothing', async () => {
    const cases: [string[], string][] = [
      [['clokc'], 'dialectgate: unknown command "clokc" (did you mean clock?)'],
      [['snapshot'], 'dialectgate: snapshot: expected one of create, list, get, restore, delete, download, upload'],
      [['snapshot', 'restroe', 's1'], 'snapshot: unknown subcommand "restroe" (expected one of create, list, get, restore, delete, download, upload; did you mean restore?)'],
      [['snapshot', 'restore'], 'dialectgate: snapshot restore: missing <id>'],
      [['clock', 'advance'], 'dialectgate: clock advance: missing <duration>'],
      [['clock', 'get', 'now'], 'dialectgate: clock get: unexpected argument "now"'],
      [['clock', 'set', 'x', '--scope', 'some'], 'dialectgate: --scope: expected policy or all, got some'],
      [['outbox', 'list', '--timeout-ms', '5'], 'dialectgate: outbox list: --timeout-ms does not apply (it takes --to, --kind, --since, --after)'],
      [['outbox', 'wait', '--timeout-ms', '5s'], 'dialectgate: --timeout-ms: expected a whole number of milliseconds, got 5s'],
      [['reset', 'now'], 'dialectgate: reset: unexpected argument "now"'],
      [['reset', '--bogus'], "dialectgate: Unknown option '--bogus'"],
      [['reset', '--fixtures', join(dir, 'missing.json')], 'dialectgate: --fixtures: cannot read'],
      [['clock', '--admin-url', 'ftp://x'], 'dialectgate: --admin-url: expected an http:// or https:// URL, got ftp://x'],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect({ argv, code: r.code, out: r.out }).toEqual({ argv, code: 2, out: '' });
      expect(r.err).toContain(message);
    }
    expect(seen).toEqual([]);
  });
});

describe('dialectgate <command>: one admin-plane request each', () => {
  it('reset, with a fixture name, a fixture file sent as its object, and kept state', async () => {
    answer = { status: 200, body: '{"tenant":"default","fixtures":"dev","users":7,"at":"2025-01-01T00:00:00.000Z"}' };
    const r = await cli(['reset']);
    expect(r).toEqual({ code: 0, out: `${JSON.stringify(JSON.parse(answer.body as string), null, 2)}\n`, bytes: expect.anything(), err: '' });
    expect(last()).toEqual({ method: 'POST', url: '/__admin/reset', body: {} });
    await cli(['reset', '--fixtures', 'team', '--keep', 'journal,clock']);
    expect(last().body).toEqual({ fixtures: 'team', keep: ['journal', 'clock'] });
    const file = join(dir, 'set.json');
    writeFileSync(file, JSON.stringify({ users: [{ username: 'u', email: 'u@example.com', password: 'p' }] }));
    await cli(['reset', '--fixtures', file]);
    expect(last().body).toEqual({ fixtures: { users: [{ username: 'u', email: 'u@example.com', password: 'p' }] } });
  });

  it('snapshot create, list, get, restore, delete', async () => {
    const calls: [string[], ReturnType<typeof last>][] = [
      [['snapshot', 'create'], { method: 'POST', url: '/__admin/snapshots', body: {} }],
      [['snapshot', 'create', '--name', 'before import'], { method: 'POST', url: '/__admin/snapshots', body: { name: 'before import' } }],
      [['snapshot', 'list'], { method: 'GET', url: '/__admin/snapshots', body: undefined }],
      [['snapshot', 'get', 's 1'], { method: 'GET', url: '/__admin/snapshots/s%201', body: undefined }],
      [['snapshot', 'restore', 's1'], { method: 'POST', url: '/__admin/snapshots/s1/restore', body: {} }],
      [['snapshot', 'restore', 's1', '--keep', 'faults'], { method: 'POST', url: '/__admin/snapshots/s1/restore', body: { keep: ['faults'] } }],
    ];
    for (const [argv, request] of calls) {
      expect((await cli(argv)).code).toBe(0);
      expect(last()).toEqual(request);
    }
    answer = { status: 204, body: '' };
    expect(await cli(['snapshot', 'delete', 's1'])).toMatchObject({ code: 0, out: '', err: '' });
    expect(last()).toEqual({ method: 'DELETE', url: '/__admin/snapshots/s1', body: undefined });
  });

  it('snapshot download writes the bytes (stdout, or --out with mode 0600); upload sends a file as application/vnd.sqlite3', async () => {
    const db = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.from([0, 1, 2, 255])]);
    answer = { status: 200, type: 'application/vnd.sqlite3', body: db };
    const r = await cli(['snapshot', 'download', 's1']);
    expect(r.code).toBe(0);
    expect(r.bytes.equals(db)).toBe(true);
    expect(last().url).toBe('/__admin/snapshots/s1/bytes');
    const out = join(dir, 'copy.db');
    const w = await cli(['snapshot', 'download', 's1', '--out', out]);
    expect([w.code, w.out, w.err]).toEqual([0, '', `dialectgate: wrote ${db.length} bytes to ${out}\n`]);
    expect(readFileSync(out).equals(db)).toBe(true);

    answer = { status: 201, body: '{"id":"s2","name":"up","tenant":"default","created_at":"2025-01-01T00:00:00.000Z"}' };
    expect((await cli(['snapshot', 'upload', out, '--name', 'up'])).code).toBe(0);
    const s = seen.at(-1)!;
    expect([s.method, s.url, s.headers['content-type']]).toEqual(['POST', '/__admin/snapshots?name=up', 'application/vnd.sqlite3']);
    expect(s.body.equals(db)).toBe(true);
  });

  it('clock get (the default), set, advance, freeze, resume, reset; numbers for epoch ms, strings for ISO 8601', async () => {
    const calls: [string[], ReturnType<typeof last>][] = [
      [['clock'], { method: 'GET', url: '/__admin/clock', body: undefined }],
      [['clock', 'get'], { method: 'GET', url: '/__admin/clock', body: undefined }],
      [['clock', 'set', '2030-01-01T00:00:00Z'], { method: 'POST', url: '/__admin/clock/set', body: { to: '2030-01-01T00:00:00Z' } }],
      [['clock', 'set', '1893456000000', '--scope', 'all'], { method: 'POST', url: '/__admin/clock/set', body: { to: 1893456000000, scope: 'all' } }],
      [['clock', 'advance', 'PT4H1S'], { method: 'POST', url: '/__admin/clock/advance', body: { by: 'PT4H1S' } }],
      [['clock', 'advance', '60000'], { method: 'POST', url: '/__admin/clock/advance', body: { by: 60000 } }],
      [['clock', 'freeze'], { method: 'POST', url: '/__admin/clock/freeze', body: {} }],
      [['clock', 'freeze', '2030-01-01T00:00:00Z'], { method: 'POST', url: '/__admin/clock/freeze', body: { at: '2030-01-01T00:00:00Z' } }],
      [['clock', 'resume'], { method: 'POST', url: '/__admin/clock/resume', body: {} }],
      [['clock', 'reset', '--scope', 'policy'], { method: 'POST', url: '/__admin/clock/reset', body: { scope: 'policy' } }],
    ];
    for (const [argv, request] of calls) {
      expect((await cli(argv)).code).toBe(0);
      expect(last()).toEqual(request);
    }
  });

  it('outbox list (the default) with filters as the query, wait with a body, clear', async () => {
    const calls: [string[], ReturnType<typeof last>][] = [
      [['outbox'], { method: 'GET', url: '/__admin/outbox', body: undefined }],
      [['outbox', 'list', '--to', 'lisi@example.com', '--kind', 'temporary_password', '--after', '3'], { method: 'GET', url: '/__admin/outbox?to=lisi%40example.com&kind=temporary_password&after=3', body: undefined }],
      [['outbox', 'wait', '--to', 'lisi@example.com', '--timeout-ms', '2000', '--after', '3'], { method: 'POST', url: '/__admin/outbox/wait', body: { to: 'lisi@example.com', after: 3, timeout_ms: 2000 } }],
      [['outbox', 'wait'], { method: 'POST', url: '/__admin/outbox/wait', body: {} }],
    ];
    for (const [argv, request] of calls) {
      expect((await cli(argv)).code).toBe(0);
      expect(last()).toEqual(request);
    }
    answer = { status: 204, body: '' };
    expect((await cli(['outbox', 'clear'])).code).toBe(0);
    expect(last()).toEqual({ method: 'DELETE', url: '/__admin/outbox', body: undefined });
  });

  it('--admin-token, --tenant and --admin-url (over DIALECTGATE_ADMIN_URL / DIALECTGATE_ADMIN_TOKEN)', async () => {
    await cli(['clock', '--tenant', 'team-a', '--admin-token', 't'.repeat(20)]);
    expect(seen.at(-1)!.headers).toMatchObject({ authorization: `Bearer ${'t'.repeat(20)}`, 'x-dialectgate-tenant': 'team-a', accept: 'application/json' });
    await cli(['clock'], { DIALECTGATE_ADMIN_TOKEN: 'from-env-token-000' });
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer from-env-token-000');
    expect(seen.at(-1)!.headers['x-dialectgate-tenant']).toBeUndefined();
    await cli(['clock', '--admin-url', `${adminUrl}/`], { DIALECTGATE_ADMIN_URL: 'http://127.0.0.1:1' });
    expect(seen.at(-1)!.url).toBe('/__admin/clock');
  });
});

describe('exit codes of the clients', () => {
  it('1 on an API error: dialectgate: <code>: <message> on stderr, nothing on stdout', async () => {
    answer = { status: 404, body: '{"error":{"code":"not_found","message":"no snapshot s9"}}' };
    expect(await cli(['snapshot', 'restore', 's9'])).toMatchObject({ code: 1, out: '', err: 'dialectgate: not_found: no snapshot s9\n' });
    answer = { status: 401, body: '{"error":{"code":"unauthorized","message":"a bearer token is required"}}' };
    expect((await cli(['clock'])).err).toBe('dialectgate: unauthorized: a bearer token is required\n');
    answer = { status: 502, type: 'text/plain', body: 'Bad Gateway' };
    expect(await cli(['outbox'])).toMatchObject({ code: 1, err: 'dialectgate: http_502: Bad Gateway\n' });
  });

  it('3 when the admin plane cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    for (const argv of [['reset'], ['clock'], ['outbox', 'wait'], ['snapshot', 'list']]) {
      const r = await cli([...argv, '--admin-url', `http://127.0.0.1:${port}`]);
      expect({ argv, code: r.code, out: r.out, err: r.err }).toEqual({ argv, code: 3, out: '', err: `dialectgate: cannot reach the admin plane at http://127.0.0.1:${port}: ECONNREFUSED\n` });
    }
  });
});
