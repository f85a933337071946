// Configuration errors name what the user typed (the flag or the variable), never the schema's key; unknown
// DIALECTGATE_* variables are reported; --fixtures sets are checked field by field before anything is written.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { checkFixtures, defaultFixturesPath, FixtureError, FixtureNotFoundError, loadFixtures, readFixtures, resolveFixtures } from '../src/db/seed.ts';
import { startGateway } from '../src/main.ts';
import { packageFixturesDir, packageVersion } from '../src/package.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'dialectgate-config-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const problem = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    loadConfig(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return { message: (e as ConfigError).message, exitCode: (e as ConfigError).exitCode };
  }
  throw new Error('no ConfigError');
};
const warnings = (env: NodeJS.ProcessEnv) => {
  const lines: string[] = [];
  loadConfig([], env, { warn: (l) => lines.push(l) });
  return lines;
};
const dev = () => JSON.parse(readFileSync(defaultFixturesPath, 'utf8')) as { departments: unknown[]; permissions: unknown[]; roles: unknown[]; users: Record<string, unknown>[] };

describe('config errors name the flag or the variable', () => {
  it('a flag', () => {
    expect(problem(['--port-fastapi', '99999'])).toEqual({ message: 'dialectgate: --port-fastapi: expected 0..65535, got 99999', exitCode: 2 });
    expect(problem(['--rate-limits', 'maybe']).message).toBe('dialectgate: --rate-limits: expected on or off, got maybe');
    expect(problem(['--db-pool-size', '0']).message).toBe('dialectgate: --db-pool-size: expected at least 1, got 0');
    expect(problem(['--only', 'flask,soap']).message).toBe('dialectgate: --only: expected dialects among fastapi, flask, v1auth, openapi, got soap');
    expect(problem(['--fixtures', '']).message).toBe('dialectgate: --fixtures: expected a fixture set name or a file, got ""');
  });

  it('a variable, and the flag when both are given (the flag wins)', () => {
    expect(problem([], { DIALECTGATE_PORT_FASTAPI: '99999' }).message).toBe('dialectgate: DIALECTGATE_PORT_FASTAPI: expected 0..65535, got 99999');
    expect(problem(['--port-flask', '70000'], { DIALECTGATE_PORT_FLASK: '1' }).message).toBe('dialectgate: --port-flask: expected 0..65535, got 70000');
    expect(problem([], { DIALECTGATE_DATABASE_URL: 'mysql://x' }).message).toContain('DIALECTGATE_DATABASE_URL: expected a postgres:// URL');
  });

  it('every problem, one line each; a cross-field check says what it compared', () => {
    expect(problem(['--port-fastapi', 'eighty', '--tz', 'Mars/Base']).message.split('\n')).toEqual([
      'dialectgate: --port-fastapi: expected 0..65535, got eighty',
      'dialectgate: --tz: expected an IANA time zone such as Asia/Shanghai, got Mars/Base',
    ]);
    expect(problem([], { DIALECTGATE_HEADERS_TIMEOUT_MS: '40000' }).message).toBe(
      'dialectgate: --request-timeout-ms: expected no less than the headers timeout (40000 ms), got 30000 (the default)',
    );
  });

  it('an unknown or incomplete flag is a usage error with a suggestion', () => {
    expect(problem(['--port-fastap', '1']).message).toBe('dialectgate: unknown option --port-fastap (did you mean --port-fastapi?)\nRun dialectgate --help for the options.');
    expect(problem(['--port-fastapi']).message).toContain("'--port-fastapi <value>' argument missing");
    expect(problem(['stray']).message).toContain('unexpected argument "stray"');
  });

  it('--help is not an error: exit code 0, the text names every flag and variable', () => {
    const help = problem(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.message).toMatch(/^Usage: dialectgate \[serve\] \[options\]/);
    for (const name of ['--port-fastapi', 'DIALECTGATE_PORT_FASTAPI', '--fixtures', 'DIALECTGATE_FIXTURES', '--database-url']) expect(help.message).toContain(name);
    expect(problem(['-h']).exitCode).toBe(0);
  });
});

describe('unknown DIALECTGATE_* variables', () => {
  it('are reported with the closest known name, and ignored', () => {
    expect(warnings({ DIALECTGATE_PORT_FASTAP: '1', DIALECTGATE_DATA_DIRR: '/x', DIALECTGATE_WHATEVER_THIS_IS: '1', PATH: '/bin' })).toEqual([
      'dialectgate: warning: unknown environment variable DIALECTGATE_DATA_DIRR ignored (did you mean DIALECTGATE_DATA_DIR?)',
      'dialectgate: warning: unknown environment variable DIALECTGATE_PORT_FASTAP ignored (did you mean DIALECTGATE_PORT_FASTAPI?)',
      'dialectgate: warning: unknown environment variable DIALECTGATE_WHATEVER_THIS_IS ignored',
    ]);
    expect(warnings({ DIALECTGATE_SECRET_FLAKS: 'x' })).toEqual([
      'dialectgate: warning: unknown environment variable DIALECTGATE_SECRET_FLAKS ignored (did you mean DIALECTGATE_SECRET_FLASK?)',
    ]);
  });

  it('every variable read anywhere is known: flags, secrets, the fastapi info, the CLI clients, the test suites', () => {
    const env = Object.fromEntries(
      [
        'HOST', 'DATA_DIR', 'FIXTURES', 'ONLY', 'PORT_FASTAPI', 'PORT_FLASK', 'PORT_V1AUTH', 'PORT_OPENAPI', 'TZ', 'RATE_LIMITS',
        'USAGE_RETENTION_DAYS', 'DATABASE_SCHEMA', 'DB_POOL_SIZE', 'DB_STATEMENT_TIMEOUT_MS', 'HEADERS_TIMEOUT_MS',
        'REQUEST_TIMEOUT_MS', 'CORS_ORIGINS', 'SECRET_FASTAPI', 'SECRET_FLASK', 'SECRET_V1AUTH', 'SECRET_OPENAPI',
        'FASTAPI_VERSION', 'FASTAPI_APP_TITLE', 'FASTAPI_PROJECT_NAME', 'FASTAPI_ENVIRONMENT', 'FASTAPI_BUILD',
        'FASTAPI_COMMIT', 'FASTAPI_PYTHON_VERSION', 'ADMIN_URL', 'ADMIN_TOKEN', 'TEST_DATABASE_URL', 'BENCH_DATABASE_URL',
      ].map((n) => [`DIALECTGATE_${n}`, ({ TZ: 'UTC', RATE_LIMITS: 'off', ONLY: 'flask', ADMIN_TOKEN: 'a'.repeat(32) } as Record<string, string>)[n] ?? (/^PORT|DAYS|SIZE|_MS$/.test(n) ? '1' : 'x')]),
    );
    expect(warnings(env)).toEqual([]);
  });
});

describe('fixture sets (--fixtures, DIALECTGATE_FIXTURES)', () => {
  it('dev is the default and resolves to the package set; a name in <data-dir>/fixtures comes first', () => {
    expect(loadConfig([], {}).fixtures).toBe('dev');
    expect(loadConfig([], { DIALECTGATE_FIXTURES: 'mine.json' }).fixtures).toBe('mine.json');
    const dir = tempDir();
    expect(resolveFixtures('dev', dir)).toBe(join(packageFixturesDir, 'dev.json'));
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures', 'dev.json'), '{}');
    writeFileSync(join(dir, 'fixtures', 'team.json'), '{}');
    expect(resolveFixtures('dev', dir)).toBe(join(dir, 'fixtures', 'dev.json'));
    expect(resolveFixtures('team', dir)).toBe(join(dir, 'fixtures', 'team.json'));
    expect(() => resolveFixtures('nope', dir)).toThrow(FixtureNotFoundError);
    expect(() => resolveFixtures('./nope.json', dir)).toThrow(/^no such file .*nope\.json$/);
    expect(() => loadFixtures('nope', dir)).toThrow(new ConfigError(`dialectgate: no fixture set named "nope" (looked for ${join(dir, 'fixtures', 'nope.json')} and ${join(packageFixturesDir, 'nope.json')})`));
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the development set passes', () => {
    const checked = checkFixtures(dev());
    expect(checked.ok).toBe(true);
    expect(readFixtures().users.map((u) => u.username)).toContain('admin');
  });

  it('every problem is reported with its path, before anything is written', () => {
    const set = dev();
    set.users[2]!.password = '';
    delete set.users[3]!.email;
    set.users[4]!.username = 'admin';
    set.users[5]!.roles = ['USER', 'NO_SUCH_ROLE'];
    set.users[6]!.department = '财务部';
    set.users[0]!.isSuperUser = true;
    set.users[1]!.status = 'frozen';
    (set.roles[0] as { permissions: string[] }).permissions.push('GET /nowhere');
    set.departments.push({ name: '研发部' });
    set.permissions.push(42);
    (set as Record<string, unknown>).user = [];
    const checked = checkFixtures(set);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems).toEqual([
      'user: unknown field (expected departments, permissions, roles, users)',
      'permissions[17]: expected an object, got 42',
      'users[0].isSuperUser: unknown field (expected username, email, password, isSuperuser, status, alias, phone, realName, position, roles, department)',
      'users[1].status: expected one of "active", "inactive", "locked", got "frozen"',
      'users[2].password: expected a non-empty string, got ""',
      'users[3].email: required, expected an e-mail address',
      'departments[2].name: duplicate "研发部" (also departments[0])',
      'users[4].username: duplicate "admin" (also users[0])',
      'roles[0].permissions[6]: unknown permission "GET /nowhere" (not in permissions)',
      'users[5].roles[1]: unknown role "NO_SUCH_ROLE" (not in roles)',
      'users[6].department: unknown department "财务部" (not in departments)',
    ]);
  });

  it('a set without users, and a file that is not JSON, are refused', () => {
    expect(checkFixtures({ users: [] })).toEqual({ ok: false, problems: ['users: expected at least one user (a store without users counts as empty and is seeded again)'] });
    expect(checkFixtures([])).toEqual({ ok: false, problems: [': expected an object with departments, permissions, roles and users, got []'] });
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, '{"users": [');
    expect(() => readFixtures(file)).toThrow(FixtureError);
    expect(() => readFixtures(file)).toThrow(/^dialectgate: invalid fixtures in .*broken\.json:\n {2}fixtures: not JSON/);
  });

  it("seeds an empty store from the user's own file (and a minimal set needs only users)", async () => {
    const file = join(tempDir(), 'team.json');
    writeFileSync(file, JSON.stringify({ _comment: 'ours', users: [{ username: 'ops', email: 'ops@example.com', password: 'opspass1', isSuperuser: true }] }));
    const lines: string[] = [];
    const gw = await startGateway(loadConfig(['--data-dir', tempDir(), '--fixtures', file, '--only', 'fastapi', '--port-fastapi', '0'], {}), { log: (l) => lines.push(l) });
    try {
      expect(lines[0]).toMatch(new RegExp(`^seeded .* with the fixtures ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      const ok = await fetch(`${gw.listeners[0]!.url}/api/v1/base/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ops', password: 'opspass1' }) });
      expect(ok.status).toBe(200);
      expect(await gw.core.users.byUsername('admin')).toBeFalsy();
    } finally {
      await gw.close();
    }
  });

  it('a bad file stops start-up with exit 2 and one line per problem, and creates no data directory', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    const set = dev();
    set.users[2]!.password = '';
    writeFileSync(file, JSON.stringify(set));
    const dataDir = join(dir, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--data-dir', dataDir, '--fixtures', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toBe(`dialectgate: invalid fixtures in ${file}:\n  fixtures users[2].password: expected a non-empty string, got ""\n`);
    expect(existsSync(dataDir)).toBe(false);
  });
});
