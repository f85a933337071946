// npm run bench: the gateway and a bare Hono app, each in its own process, loaded with autocannon on loopback.
// Every scenario is warmed up, then measured in ROUNDS rounds, each right after a run of the bare app, so
// host noise hits both alike; one JSON line per scenario gives the medians and the ratio to the bare app.
// BENCH_ONLY='flask body flood,fastapi health' runs only the scenarios whose names contain one of those parts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pyJsonLoads, pyJsonLoadsEmulated } from '../../src/http/python/json.ts';
import { load as loadPids, median, medians, ROUNDS, SECONDS, selected, start, type Figures, type Scenario } from './harness.ts';

// One harness for every bench file: constants, child start-up, load, CPU per request, medians.
const load = (s: Scenario, pid: number, seconds = SECONDS) => loadPids(s, [pid], seconds);

const dataDir = mkdtempSync(join(tmpdir(), 'dialectgate-bench-'));
const bare = await start(['test/bench/bare.ts'], (l) => l.startsWith('bare '));
const gw = await start(['src/main.ts', '--data-dir', dataDir, '--port-fastapi', '0', '--port-flask', '0', '--port-v1auth', '0', '--port-openapi', '0', '--rate-limits', 'off'], (l) => l.startsWith('ready in'));
try {
  const bareUrl = bare.lines.at(-1)!.split(' ')[1]!;
  const bareScenario: Scenario = { name: 'bare hono', url: bareUrl };
  const bareHeaders: Scenario = { name: 'bare hono + fastapi legacy headers', url: `${bareUrl}/legacy-headers` };
  const urlOf = (name: string) => gw.lines.find((l) => l.startsWith(`${name} `))!.split(/\s+/)[1]!;
  const fastapi = urlOf('fastapi');
  const flask = urlOf('flask');
  const v1auth = urlOf('v1auth');
  const openapi = urlOf('openapi');
  console.log(JSON.stringify({ scenario: 'startup', ms_spawn_to_ready: Math.round(gw.ms), gateway: gw.lines.at(-1) }));

  const json = { 'content-type': 'application/json' };
  const loginBody = JSON.stringify({ username: 'admin', password: 'password123' });
  const login = await fetch(`${fastapi}/api/v1/base/access_token`, { method: 'POST', headers: json, body: loginBody });
  const auth = { authorization: `Bearer ${((await login.json()) as { data: { access_token: string } }).data.access_token}` };
  const flaskBody = JSON.stringify({ username: 'licheng.zhou9', password: 'Zhougezuishuai22' });
  const flaskLogin = await fetch(`${flask}/api/auth/login`, { method: 'POST', headers: json, body: flaskBody });
  const v1Login = await fetch(`${v1auth}/api/v1/auth/login`, { method: 'POST', headers: json, body: loginBody });
  const v1Token = ((await v1Login.json()) as { data: { token: string } }).data.token;
  const v1KeyAnswer = await fetch(`${v1auth}/api/v1/auth/api-keys`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${v1Token}` },
    body: JSON.stringify({ name: 'bench', permissions: ['read', 'admin'] }),
  });
  const v1Key = ((await v1KeyAnswer.json()) as { data: { key: string } }).data.key;
  const openapiLogin = await fetch(`${openapi}/v1.0/openapi/auth/login`, { method: 'POST', headers: json, body: loginBody });
  const xToken = { 'x-token': ((await openapiLogin.json()) as { result: { access_token: string } }).result.access_token };
  const flaskRefresh = { authorization: `Bearer ${((await flaskLogin.json()) as { data: { refresh_token: string } }).data.refresh_token}` };

  const scenarios: Scenario[] = [
    { name: 'fastapi userinfo', url: `${fastapi}/api/v1/base/userinfo`, headers: auth },
    { name: 'fastapi users/list page 1', url: `${fastapi}/api/v1/users/list?page=1&page_size=10`, headers: auth },
    { name: 'fastapi health', url: `${fastapi}/api/v1/base/health` },
    { name: 'fastapi access_token login', url: `${fastapi}/api/v1/base/access_token`, method: 'POST', headers: json, body: loginBody, connections: 8 },
    { name: 'v1auth users list (token)', url: `${v1auth}/api/v1/auth/users?page=1&page_size=20`, headers: { authorization: `Bearer ${v1Token}` } },
    { name: 'v1auth users list (API key)', url: `${v1auth}/api/v1/auth/users?page=1&page_size=20`, headers: { 'x-api-key': v1Key } },
    { name: 'v1auth user detail (token)', url: `${v1auth}/api/v1/auth/users/1`, headers: { authorization: `Bearer ${v1Token}` } },
    // The only x-token route is PUT /api/v1/auth/password: a valid token, then the empty body refused (10003).
    { name: 'openapi x-token check (PUT /api/v1/auth/password, empty body)', url: `${openapi}/api/v1/auth/password`, method: 'PUT', headers: xToken },
    { name: 'openapi login', url: `${openapi}/v1.0/openapi/auth/login`, method: 'POST', headers: json, body: loginBody, connections: 8 },
    { name: 'flask refresh', url: `${flask}/api/auth/refresh`, method: 'POST', headers: flaskRefresh },
    { name: 'flask login', url: `${flask}/api/auth/login`, method: 'POST', headers: json, body: flaskBody, connections: 8 },
  ];
  const pidOf = (s: Scenario) => (s === bareScenario || s === bareHeaders ? bare.child.pid! : gw.child.pid!);
  const measured = [bareHeaders, ...scenarios].filter((s) => selected(s.name));
  for (const s of measured.length ? [bareScenario, ...measured] : []) await load(s, pidOf(s), 2); // warm-up
  for (const s of measured) {
    const base: Figures[] = [];
    const mine: Figures[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      base.push(await load(bareScenario, bare.child.pid!));
      mine.push(await load(s, pidOf(s)));
    }
    const b = medians(base);
    const m = medians(mine);
    console.log(JSON.stringify({ scenario: s.name, ...m, ratio: Number((m.rps / b.rps).toFixed(3)), bare_rps: b.rps, bare_cpu_us_per_req: b.cpu_us_per_req }));
  }
  // A login flood must not block the event loop: health latency while logins saturate argon2.
  if (selected('health during login flood')) {
    const [flood, health] = await Promise.all([
      load({ name: 'flood', url: `${fastapi}/api/v1/base/access_token`, method: 'POST', headers: json, body: loginBody, connections: 16 }, gw.child.pid!),
      load({ name: 'health', url: `${fastapi}/api/v1/base/health`, connections: 4 }, gw.child.pid!),
    ]);
    console.log(JSON.stringify({ scenario: 'health during login flood', rps: health.rps, p50: health.p50, p99: health.p99, login_rps: flood.rps }));
  }
  // Nor may big flask bodies: CPython's json.loads is emulated in JavaScript, and only JSON.parse is fast enough
  // for 1 MiB on the shared event loop. 4 clients post as fast as they can from a child process (so the sending
  // does not delay the health client's own loop); an empty username keeps the answer a cheap business failure
  // (HTTP 200, no hashing), so the gateway's work is the body's. "objects" is the costly shape (~29 000 small
  // objects), "string" one long value. parse_ms_*: one parse of the body in this process, by the emulation alone
  // (what every body cost before the native path), by pyJsonLoads, and by pyJsonLoads with a trailing comma
  // (invalid: JSON.parse refuses it, the emulation finds CPython's message).
  if (selected('flask body flood')) {
    const bodies = {
      objects: JSON.stringify({ username: '', password: 'x', email: Array.from({ length: 29_000 }, (_, i) => ({ k: `value ${i}`.padEnd(17, '.'), n: i })) }),
      string: JSON.stringify({ username: '', password: 'x'.repeat(1_048_000) }),
    };
    for (const [shape, body] of Object.entries(bodies)) {
      const bytes = new Uint8Array(Buffer.from(body));
      const broken = new Uint8Array(Buffer.from(body + ','));
      const parseMs = (loads: (b: Uint8Array) => unknown, input = bytes) => {
        const runs: number[] = [];
        for (let i = 0; i < 15; i++) {
          const t0 = performance.now();
          loads(input);
          runs.push(performance.now() - t0);
        }
        return Number(median(runs).toFixed(1));
      };
      const check = await fetch(`${flask}/api/auth/login`, { method: 'POST', headers: json, body });
      if (check.status !== 200) throw new Error(`flask answered ${check.status} to the ${shape} body`);
      await check.arrayBuffer();
      const bodyFile = join(dataDir, `flood-${shape}.json`);
      writeFileSync(bodyFile, body);
      const quiet = await load({ name: 'health', url: `${fastapi}/api/v1/base/health`, connections: 2 }, gw.child.pid!, 2);
      const floodArgs = ['-c', '4', '-d', String(SECONDS + 1), '-m', 'POST', '-H', 'content-type=application/json', '-i', bodyFile, '-j', `${flask}/api/auth/login`];
      const floodChild = spawn(process.execPath, [fileURLToPath(import.meta.resolve('autocannon/autocannon.js')), ...floodArgs], { stdio: ['ignore', 'pipe', 'ignore'] });
      const floodOut = (async () => {
        let out = '';
        for await (const chunk of floodChild.stdout!) out += chunk;
        return JSON.parse(out) as { '2xx': number; non2xx: number; duration: number };
      })();
      await new Promise((r) => setTimeout(r, 500)); // the flood's connections open first
      const health = await load({ name: 'health', url: `${fastapi}/api/v1/base/health`, connections: 2 }, gw.child.pid!);
      const flood = await floodOut;
      const floodRps = flood['2xx'] / flood.duration;
      console.log(JSON.stringify({
        scenario: `fastapi health during flask body flood (${shape})`,
        body_bytes: bytes.length,
        parse_ms_emulation: parseMs(pyJsonLoadsEmulated),
        parse_ms_pyJsonLoads: parseMs(pyJsonLoads),
        parse_ms_pyJsonLoads_invalid: parseMs(pyJsonLoads, broken),
        flask_rps: Math.round(floodRps),
        flask_mib_s: Number(((floodRps * bytes.length) / 1_048_576).toFixed(1)),
        flask_non2xx: flood.non2xx,
        health_rps: health.rps,
        health_p50: health.p50,
        health_p99: health.p99,
        health_max: health.max,
        health_p99_quiet: quiet.p99,
      }));
    }
  }
  const rss = Number(readFileSync(`/proc/${gw.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]) / 1024;
  console.log(JSON.stringify({ scenario: 'memory after load', gateway_rss_mib: Math.round(rss) }));
} finally {
  bare.child.kill('SIGTERM');
  gw.child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
// PostgreSQL against SQLite, three processes on PostgreSQL, login timing (issue 9 item 8, issue 8 item 2); the
// listener layers' cost (journal, faults).
await import('./stores.ts');
await import('./login-timing.ts');
await import('./layers.ts');
