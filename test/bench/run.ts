// npm run bench: the gateway and a bare Hono app, each in its own process, loaded with autocannon on loopback.
// Prints one JSON line per scenario: requests/s, p50/p99 latency (ms) and the ratio to the bare app.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

/** Starts a child and resolves with the lines it printed up to (and including) the one `done` accepts. */
async function start(args: string[], done: (line: string) => boolean): Promise<{ child: ChildProcess; lines: string[]; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (done(line)) break;
  }
  return { child, lines, ms: performance.now() - t0 };
}

interface Scenario {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
}

async function load(s: Scenario) {
  const r = await autocannon({
    url: s.url,
    method: s.method ?? 'GET',
    headers: s.headers,
    body: s.body,
    connections: s.connections ?? CONNECTIONS,
    duration: DURATION,
  });
  const ok = r['2xx'];
  return { rps: Math.round(ok / DURATION), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

const dataDir = mkdtempSync(join(tmpdir(), 'dialectgate-bench-'));
const bare = await start(['test/bench/bare.ts'], (l) => l.startsWith('bare '));
const gw = await start(['src/main.ts', '--data-dir', dataDir, '--port-fastapi', '0', '--rate-limits', 'off'], (l) => l.startsWith('ready in'));
try {
  const bareUrl = bare.lines.at(-1)!.split(' ')[1]!;
  const fastapi = gw.lines.find((l) => l.startsWith('fastapi'))!.split(/\s+/)[1]!;
  console.log(JSON.stringify({ scenario: 'startup', ms_to_ready_incl_seed_and_tsx: Math.round(gw.ms), gateway_log: gw.lines.at(-1) }));

  const loginBody = JSON.stringify({ username: 'admin', password: 'password123' });
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${fastapi}/api/v1/base/access_token`, { method: 'POST', headers: json, body: loginBody });
  const token = ((await login.json()) as { data: { access_token: string } }).data.access_token;
  const auth = { authorization: `Bearer ${token}` };

  const baseline = await load({ name: 'bare', url: bareUrl });
  console.log(JSON.stringify({ scenario: 'bare hono', ...baseline, ratio: 1 }));
  const scenarios: Scenario[] = [
    { name: 'fastapi userinfo', url: `${fastapi}/api/v1/base/userinfo`, headers: auth },
    { name: 'fastapi users/list page 1', url: `${fastapi}/api/v1/users/list?page=1&page_size=10`, headers: auth },
    { name: 'fastapi health', url: `${fastapi}/api/v1/base/health` },
    { name: 'fastapi access_token login', url: `${fastapi}/api/v1/base/access_token`, method: 'POST', headers: json, body: loginBody, connections: 8 },
  ];
  for (const s of scenarios) {
    const r = await load(s);
    console.log(JSON.stringify({ scenario: s.name, ...r, ratio: Number((r.rps / baseline.rps).toFixed(3)) }));
  }
  // A login flood must not block the event loop: health latency while logins saturate argon2.
  const [flood, health] = await Promise.all([
    load({ name: 'flood', url: `${fastapi}/api/v1/base/access_token`, method: 'POST', headers: json, body: loginBody, connections: 16 }),
    load({ name: 'health', url: `${fastapi}/api/v1/base/health`, connections: 4 }),
  ]);
  console.log(JSON.stringify({ scenario: 'health during login flood', ...health, login_rps: flood.rps }));
} finally {
  bare.child.kill('SIGTERM');
  gw.child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
