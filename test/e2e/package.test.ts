// The package as a user gets it: the sources copied to a temporary folder (a fresh clone, with this repository's
// node_modules linked in), `npm pack` there (prepack runs `npm run build`), the tarball installed into an empty
// folder, then `npx dialectgate` run from it: --help, --version, serve on free ports (one request per dialect, no
// TypeScript loader anywhere), a configuration error, the admin clients (unreachable: exit 3; the real admin plane
// when the installed gateway has one), and `dialectgate/testing` imported from plain JS (and its declarations
// from TypeScript). One build and one install per run.
//
// better-sqlite3's native module: its install script first looks for a local prebuilt archive; this test offers it
// the one this repository built (same version, same Node ABI), so the install takes seconds instead of a compile of
// SQLite. DIALECTGATE_E2E_COMPILE=1 leaves it out (minutes). Without the npm registry or its cache the suite is
// skipped with a line saying why.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const root = mkdtempSync(join(tmpdir(), 'dialectgate-package-'));
const consumer = join(root, 'consumer');
let skipped: string | undefined;
const timings: Record<string, number | string> = {};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (no shell); its exit code and output. */
function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const npx = (args: string[], env: NodeJS.ProcessEnv = {}) => exec('npx', ['--no-install', 'dialectgate', ...args], consumer, env, 60_000);

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timings[name] = Math.round(performance.now() - t0);
  }
};

beforeAll(async () => {
  if (spawnSync('npm', ['--version']).status !== 0) {
    skipped = 'npm is not on PATH';
    return;
  }
  // A fresh clone's files (the working tree's), and this repository's node_modules for tsc.
  const src = join(root, 'src');
  mkdirSync(join(src, 'fixtures'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md']) cpSync(join(repo, f), join(src, f));
  for (const d of ['src', 'dialects']) cpSync(join(repo, d), join(src, d), { recursive: true });
  cpSync(join(repo, 'fixtures', 'dev.json'), join(src, 'fixtures', 'dev.json'));
  symlinkSync(join(repo, 'node_modules'), join(src, 'node_modules'), 'dir');

  const packed = await timed('npm pack (prepack: build)', () => exec('npm', ['pack', '--json', '--pack-destination', root], src, {}, 300_000));
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
  const tarball = join(root, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);

  mkdirSync(consumer);
  // A consumer project approves the one install script the package needs (npm's allowScripts is the consumer's).
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, allowScripts: { 'better-sqlite3': true } }));
  const bs3 = join(repo, 'node_modules', 'better-sqlite3');
  const built = join(bs3, 'build', 'Release', 'better_sqlite3.node');
  if (process.env.DIALECTGATE_E2E_COMPILE !== '1' && existsSync(built) && spawnSync('tar', ['--version']).status === 0) {
    const bsVersion = (JSON.parse(readFileSync(join(bs3, 'package.json'), 'utf8')) as { version: string }).version;
    const stage = join(root, 'prebuild', 'stage');
    mkdirSync(join(stage, 'build', 'Release'), { recursive: true });
    cpSync(built, join(stage, 'build', 'Release', 'better_sqlite3.node'));
    const archive = join(root, 'prebuild', `better-sqlite3-v${bsVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
    // prebuild-install reads .prebuild-installrc from the folders above the package it installs (rc's lookup).
    if (spawnSync('tar', ['-czf', archive, '-C', stage, 'build']).status === 0) {
      writeFileSync(join(consumer, '.prebuild-installrc'), JSON.stringify({ 'local-prebuilds': join(root, 'prebuild') }));
    }
  }
  const installed = await timed('npm install <tarball>', () =>
    exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], consumer, {}, 600_000),
  );
  if (installed.code !== 0) {
    const offline = /ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ENETUNREACH|ECONNRESET|network|offline/i.test(installed.stderr);
    if (offline) {
      skipped = `npm install of the packed tarball needs the npm registry (or its cache), unreachable here:\n${installed.stderr.split('\n').slice(0, 5).join('\n')}`;
      return;
    }
    throw new Error(`npm install of the tarball failed:\n${installed.stdout}\n${installed.stderr}`);
  }
}, 900_000);

afterAll(() => {
  if (skipped) console.warn(`SKIPPED test/e2e/package.test.ts: ${skipped}`);
  else console.log(`package e2e (times in ms): ${JSON.stringify(timings)}`);
  rmSync(root, { recursive: true, force: true });
});

describe('the packed and installed dialectgate command', () => {
  it('holds compiled JavaScript, the migrations and the development fixtures, and no TypeScript loader', ({ skip }) => {
    if (skipped) return skip(skipped);
    const pkg = join(consumer, 'node_modules', 'dialectgate');
    expect(existsSync(join(pkg, 'dist', 'src', 'cli.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'src', 'http', 'python', 'json-worker.js'))).toBe(true);
    expect(readdirSync(join(pkg, 'dist', 'src', 'store', 'sqlite', 'migrations'))).toContain('meta');
    expect(readdirSync(join(pkg, 'dist', 'src', 'store', 'postgres', 'migrations'))).toContain('meta');
    expect(existsSync(join(pkg, 'fixtures', 'dev.json'))).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    for (const loader of ['tsx', 'typescript', 'esbuild', 'ts-node']) expect(existsSync(join(consumer, 'node_modules', loader)), loader).toBe(false);
    const bin = realpathSync(join(consumer, 'node_modules', '.bin', 'dialectgate'));
    expect(bin).toBe(realpathSync(join(pkg, 'dist', 'src', 'cli.js')));
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--help on stdout with exit 0; --version', async ({ skip }) => {
    if (skipped) return skip(skipped);
    const help = await npx(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: dialectgate \[serve\] \[options\]/);
    for (const word of ['--port-fastapi', '--fixtures', 'snapshot create', 'clock [get]', 'outbox [list]', '--admin-url']) expect(help.stdout).toContain(word);
    expect(await npx(['--version'])).toEqual({ code: 0, stdout: `dialectgate ${version}\n`, stderr: '' });
  });

  it('a configuration error names the flag and exits 2; a misspelt variable is reported', async ({ skip }) => {
    if (skipped) return skip(skipped);
    const bad = await npx(['serve', '--port-fastapi', '99999'], { DIALECTGATE_PORT_FLASKK: '1' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('dialectgate: --port-fastapi: expected 0..65535, got 99999');
    expect(bad.stderr).toContain('unknown environment variable DIALECTGATE_PORT_FLASKK ignored (did you mean DIALECTGATE_PORT_FLASK?)');
    const env = await npx([], { DIALECTGATE_PORT_FASTAPI: 'eighty' });
    expect([env.code, env.stderr.trim()]).toEqual([2, 'dialectgate: DIALECTGATE_PORT_FASTAPI: expected 0..65535, got eighty']);
  });

  it('the admin clients exit 3 when the admin plane cannot be reached', async ({ skip }) => {
    if (skipped) return skip(skipped);
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const argv of [['reset'], ['clock'], ['outbox'], ['snapshot', 'list']]) {
      const r = await npx([...argv, '--admin-url', url]);
      expect({ argv, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ argv, code: 3, stdout: '', stderr: `dialectgate: cannot reach the admin plane at ${url}: ECONNREFUSED\n` });
    }
    expect((await npx(['clock', 'advance'])).code).toBe(2);
  });

  it('dialectgate/testing from plain JS: start in memory, a login, a reset, close; its .d.ts types a TypeScript consumer', async ({ skip }) => {
    if (skipped) return skip(skipped);
    const pkg = join(consumer, 'node_modules', 'dialectgate');
    for (const f of ['index.js', 'index.d.ts', 'admin-client.d.ts', 'types.d.ts']) expect(existsSync(join(pkg, 'dist', 'src', 'testing', f)), f).toBe(true);
    const script = `
      import { startGateway, createAdminClient, AdminError } from 'dialectgate/testing';
      const gw = await startGateway({ dialects: ['v1auth'] });
      const login = () => fetch(gw.urls.v1auth + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'password123' }) }).then((r) => r.json());
      const out = { urls: Object.keys(gw.urls).sort(), login: (await login()).success };
      await gw.admin.clock.advance({ by: 'PT1H' });
      out.reset = await gw.admin.reset();
      out.offset = (await gw.admin.clock.get()).offset_ms;
      out.error = await createAdminClient(gw.urls.admin).snapshots.get('none').catch((e) => e instanceof AdminError && e.code);
      await gw.close();
      out.closed = await fetch(gw.urls.admin + '/__admin/health').then(() => false, () => true);
      console.log(JSON.stringify(out));`;
    const r = await timed('dialectgate/testing from JS', () => exec(process.execPath, ['--input-type=module', '-e', script], consumer, {}, 60_000));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ urls: ['admin', 'v1auth'], login: true, reset: expect.objectContaining({ tenant: 'default', fixtures: 'dev', users: 7 }), offset: 0, error: 'not_found', closed: true });
    expect(existsSync(join(consumer, 'data')), 'in memory: no data directory').toBe(false);

    // The declarations, as a TypeScript project resolves them through the export (this repository's compiler: the
    // consumer has none installed).
    writeFileSync(join(consumer, 'check.mts'), [
      "import { startGateway, type Mail } from 'dialectgate/testing';",
      "const gw = await startGateway({ dialects: ['v1auth'] });",
      'const url: string = gw.urls.v1auth;',
      '// @ts-expect-error flask is not served',
      'void gw.urls.flask;',
      "const mail: Mail = await gw.admin.outbox.wait({ to: 'lisi@example.com', timeout_ms: 10 });",
      '// @ts-expect-error now is an ISO string',
      'const n: number = (await gw.admin.clock.get()).now;',
      'export { url, mail, n };',
    ].join('\n'));
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(repo, 'node_modules', '@types')];
    const typed = await timed('tsc of a consumer file', () => exec(process.execPath, [tsc, ...flags, 'check.mts'], consumer, {}, 120_000));
    expect([typed.code, typed.stdout], typed.stderr).toEqual([0, '']);
  });

  it('serve: all four dialects on free ports answer, from the installed files only; SIGTERM exits 0', async ({ skip }) => {
    if (skipped) return skip(skipped);
    const help = (await npx(['--help'])).stdout;
    const adminArgs = help.includes('--port-admin') ? ['--port-admin', '0'] : [];
    const dataDir = join(root, 'data');
    const args = ['serve', '--data-dir', dataDir, '--rate-limits', 'off', ...['fastapi', 'flask', 'v1auth', 'openapi'].flatMap((n) => [`--port-${n}`, '0']), ...adminArgs];
    const t0 = performance.now();
    // The file npx runs (node_modules/.bin/dialectgate, through its shebang), started directly: npx does not pass
    // SIGTERM on to it, and the gateway's own exit code is what counts.
    const child = spawn(join(consumer, 'node_modules', '.bin', 'dialectgate'), args, { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const urls: Record<string, string> = {};
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready after 30 s:\n${output}`)), 30_000);
        void exited.then(() => reject(new Error(`exited before it was ready:\n${output}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          output += `${line}\n`;
          const m = /^(\w+)\s+(http:\/\/\S+)$/.exec(line);
          if (m) urls[m[1]!] = m[2]!;
          if (line.startsWith('ready in')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      timings['serve: spawn to ready'] = Math.round(performance.now() - t0);
      expect(output).toContain('with the development fixtures (fixtures/dev.json)');
      expect(existsSync(join(dataDir, 'gateway.db'))).toBe(true);
      const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

      const fastapi = await post(`${urls.fastapi}/api/v1/base/access_token`, { username: 'admin', password: 'password123' });
      expect(fastapi.status).toBe(200);
      const token = ((await fastapi.json()) as { data: { access_token: string } }).data.access_token;
      const me = await fetch(`${urls.fastapi}/api/v1/base/userinfo`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await me.json()) as { data: { username: string } }).data.username).toBe('admin');
      // A body of 64 KiB or more is parsed on the JSON worker thread (dist/src/http/python/json-worker.js).
      const flask = await post(`${urls.flask}/api/auth/login`, { username: 'licheng.zhou9', password: 'Zhougezuishuai22', email: 'x'.repeat(100_000) });
      expect(flask.status).toBe(200);
      expect(((await flask.json()) as { code: number }).code).toBe(0);
      const v1auth = await post(`${urls.v1auth}/api/v1/auth/login`, { username: 'admin', password: 'password123', remember_me: false });
      expect(((await v1auth.json()) as { success: boolean }).success).toBe(true);
      const openapi = await post(`${urls.openapi}/v1.0/openapi/auth/login`, { username: 'admin', password: 'password123' });
      expect(((await openapi.json()) as { success: boolean }).success).toBe(true);

      timings['admin plane'] = urls.admin ? 'in the package: clients run against it' : 'not in the package yet';
      if (urls.admin) {
        // The control plane has landed: the clients against the real thing.
        const clock = await npx(['clock', '--admin-url', urls.admin]);
        expect(clock.code, clock.stderr).toBe(0);
        expect(JSON.parse(clock.stdout)).toHaveProperty('now');
        const outbox = await npx(['outbox', '--admin-url', urls.admin]);
        expect(outbox.code, outbox.stderr).toBe(0);
        expect(JSON.parse(outbox.stdout)).toHaveProperty('items');
        const reset = await npx(['reset', '--admin-url', urls.admin]);
        expect(reset.code, reset.stderr).toBe(0);
        expect(JSON.parse(reset.stdout)).toMatchObject({ tenant: 'default' });
        const missing = await npx(['snapshot', 'restore', 'no-such-snapshot', '--admin-url', urls.admin]);
        expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/^dialectgate: not_found: /)]);
      }
    } finally {
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    }
  });
});
