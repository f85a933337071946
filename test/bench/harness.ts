// Shared pieces of the store benches (stores.ts, login-timing.ts, before-after.ts): gateways and the bare app as
// child processes, autocannon in this process or in a child, CPU per request from /proc, medians, the load average,
// and a fresh PostgreSQL schema per run. The knobs are run.ts's: BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS,
// BENCH_ONLY.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MAX_REQUESTS_PER_SOCKET } from '../../src/http/serve.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
export const selected = (name: string) => !ONLY || ONLY.some((part) => name.includes(part));

/** The PostgreSQL the bench may use, or undefined (then the PostgreSQL scenarios are skipped, with one line). */
export const PG_URL = process.env.DIALECTGATE_BENCH_DATABASE_URL || process.env.DIALECTGATE_TEST_DATABASE_URL || undefined;

export const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
let skipSaid = false;
/** The one line saying the PostgreSQL scenarios were skipped (once per process, however many benches skip them). */
export function skipPostgres(): void {
  if (skipSaid) return;
  skipSaid = true;
  emit({ scenario: 'postgresql', skipped: 'DIALECTGATE_BENCH_DATABASE_URL (or DIALECTGATE_TEST_DATABASE_URL) is not set: the PostgreSQL scenarios did not run' });
}
export const load1 = () => Number(loadavg()[0]!.toFixed(2));
export const loadLine = (when: string) => emit({ scenario: `load average (${when})`, load_1_5_15: loadavg().map((x) => Number(x.toFixed(2))), cores: 2 });
export const r3 = (x: number) => Number(x.toFixed(3));
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * The gateway closes a socket after its 1000th answer (`Connection: close`); autocannon does not reconnect on
 * that by itself and would meet 503s on the old socket for the rest of the run, so every client reconnects then.
 */
export const RECONNECT_RATE = MAX_REQUESTS_PER_SOCKET;

export interface Child {
  child: ChildProcess;
  lines: string[];
  ms: number;
}

/** `node --import tsx <args>` in `cwd`; resolves with the lines printed up to (and including) the one `done` accepts. */
export async function start(args: string[], done: (line: string) => boolean, cwd = ROOT): Promise<Child> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (done(line)) break;
  }
  if (!lines.length || !done(lines.at(-1)!)) throw new Error(`${args.join(' ')} (in ${cwd}) exited before it was ready: ${lines.join(' | ')}`);
  child.stdout!.resume(); // later lines (SIGTERM notes) must not fill the pipe
  return { child, lines, ms: performance.now() - t0 };
}

export const startBare = async () => {
  const c = await start(['test/bench/bare.ts'], (l) => l.startsWith('bare '));
  return { ...c, url: c.lines.at(-1)!.split(' ')[1]! };
};

export const DIALECTS = ['fastapi', 'flask', 'v1auth', 'openapi'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface Gateway extends Child {
  label: string;
  urls: Record<Dialect, string>;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The gateway of the tree `cwd` (this repository by default) on free ports, rate limits off, in a fresh data
 * directory; `extra` adds flags (--database-url, --database-schema).
 */
export async function startGateway(label: string, extra: string[] = [], cwd = ROOT): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), `dialectgate-bench-${label.replace(/\W+/g, '-')}-`));
  const args = ['src/main.ts', '--data-dir', dataDir, ...DIALECTS.flatMap((d) => [`--port-${d}`, '0']), '--rate-limits', 'off', ...extra];
  const c = await start(args, (l) => l.startsWith('ready in'), cwd);
  const urlOf = (name: string) => c.lines.find((l) => l.startsWith(`${name} `))!.split(/\s+/)[1]!;
  const exited = new Promise<void>((r) => (c.child.exitCode !== null ? r() : c.child.once('exit', () => r())));
  return {
    ...c,
    label,
    urls: Object.fromEntries(DIALECTS.map((d) => [d, urlOf(d)])) as Record<Dialect, string>,
    pid: c.child.pid!,
    dataDir,
    async stop() {
      if (c.child.exitCode === null) c.child.kill('SIGTERM');
      const t = setTimeout(() => c.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in clock ticks of 10 ms
};

export interface Scenario {
  name: string;
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  cpu_us_per_req: number;
}

/** autocannon in this process, as run.ts does; CPU of `pids` (summed) per request. */
export async function load(s: Scenario, pids: number[], seconds = SECONDS): Promise<Figures> {
  const c0 = pids.map(cpuMs);
  const r = await autocannon({ url: s.url, method: s.method ?? 'GET', headers: s.headers, body: s.body, connections: s.connections ?? CONNECTIONS, duration: seconds, reconnectRate: RECONNECT_RATE });
  const cpu = pids.reduce((sum, pid, i) => sum + cpuMs(pid) - c0[i]!, 0);
  const n = r['2xx'] + r.non2xx;
  return { rps: Math.round(r['2xx'] / seconds), p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, non2xx: r.non2xx, cpu_us_per_req: Math.round((cpu * 1000) / Math.max(n, 1)) };
}

const AUTOCANNON = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));

/** One autocannon child process (`-j`): the load generator gets a process of its own. */
async function cannonChild(s: Scenario, seconds: number) {
  const args = ['-c', String(s.connections ?? CONNECTIONS), '-d', String(seconds), '-D', String(RECONNECT_RATE), '-m', s.method ?? 'GET', ...Object.entries(s.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]), '-j', s.url];
  const child = spawn(process.execPath, [AUTOCANNON, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  for await (const chunk of child.stdout!) out += chunk;
  return JSON.parse(out) as { '2xx': number; non2xx: number; latency: { p50: number; p99: number; max: number } };
}

/**
 * The scenario's connections spread over `urls`, all at once, every gateway's CPU summed: total 2xx per second
 * over the processes. `generator`: one autocannon in this process per URL ('in-process', one load-generating
 * process whatever the number of gateways), or one autocannon child process per URL ('children').
 */
export async function loadSpread(s: Scenario, urls: string[], pids: number[], generator: 'in-process' | 'children', seconds = SECONDS): Promise<Figures & { per_process_rps: number[] }> {
  const total = s.connections ?? CONNECTIONS;
  const share = (i: number) => Math.floor(total / urls.length) + (i < total % urls.length ? 1 : 0);
  const c0 = pids.map(cpuMs);
  const runs = await Promise.all(
    urls.map((url, i) =>
      generator === 'children'
        ? cannonChild({ ...s, url, connections: share(i) }, seconds)
        : autocannon({ url, method: s.method ?? 'GET', headers: s.headers, body: s.body, connections: share(i), duration: seconds, reconnectRate: RECONNECT_RATE }),
    ),
  );
  const cpu = pids.reduce((sum, pid, i) => sum + cpuMs(pid) - c0[i]!, 0);
  const ok = runs.reduce((n, r) => n + r['2xx'], 0);
  const non2xx = runs.reduce((n, r) => n + r.non2xx, 0);
  return {
    rps: Math.round(ok / seconds),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: Math.max(...runs.map((r) => r.latency.p99)),
    max: Math.max(...runs.map((r) => r.latency.max)),
    non2xx,
    cpu_us_per_req: Math.round((cpu * 1000) / Math.max(ok + non2xx, 1)),
    per_process_rps: runs.map((r) => Math.round(r['2xx'] / seconds)),
  };
}

/** The median of every field over the rounds. */
export function medians<F extends object>(runs: F[]): F {
  return Object.fromEntries(
    Object.keys(runs[0]!).map((k) => [k, Array.isArray((runs[0] as any)[k]) ? (runs[0] as any)[k] : median(runs.map((r) => (r as any)[k] as number))]),
  ) as F;
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials for the authenticated reads (the development fixtures' admin)

export const JSON_HEADERS = { 'content-type': 'application/json' };
export const ADMIN = { username: 'admin', password: 'password123' };

async function post<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`POST ${url}: ${r.status} ${text.slice(0, 200)}`);
  }
}

export interface Tokens {
  fastapi: string;
  fastapiRefresh: string;
  v1auth: string;
  xToken: string;
}

export async function adminTokens(gw: Pick<Gateway, 'urls'>): Promise<Tokens> {
  const f = await post<{ data: { access_token: string; refresh_token: string } }>(`${gw.urls.fastapi}/api/v1/base/access_token`, ADMIN);
  const v = await post<{ data: { token: string } }>(`${gw.urls.v1auth}/api/v1/auth/login`, ADMIN);
  const o = await post<{ result: { access_token: string } }>(`${gw.urls.openapi}/v1.0/openapi/auth/login`, ADMIN);
  return { fastapi: f.data.access_token, fastapiRefresh: f.data.refresh_token, v1auth: v.data.token, xToken: o.result.access_token };
}

/** The four authenticated reads of issue 9 item 8, as run.ts names them (v1auth user detail added). */
export function authenticatedReads(gw: Pick<Gateway, 'urls'>, t: Tokens): Scenario[] {
  return [
    { name: 'fastapi userinfo', url: `${gw.urls.fastapi}/api/v1/base/userinfo`, headers: { authorization: `Bearer ${t.fastapi}` } },
    { name: 'fastapi users/list page 1', url: `${gw.urls.fastapi}/api/v1/users/list?page=1&page_size=10`, headers: { authorization: `Bearer ${t.fastapi}` } },
    { name: 'v1auth user detail (token)', url: `${gw.urls.v1auth}/api/v1/auth/users/1`, headers: { authorization: `Bearer ${t.v1auth}` } },
    // The only x-token route is PUT /api/v1/auth/password: a valid token, then the empty body refused (10003).
    { name: 'openapi x-token check (PUT /api/v1/auth/password, empty body)', url: `${gw.urls.openapi}/api/v1/auth/password`, method: 'PUT', headers: { 'x-token': t.xToken } },
  ];
}

/** Every read answers as expected once before it is loaded (a 401 at full speed would flatter the figures). */
export async function checkReads(scenarios: Scenario[]): Promise<void> {
  for (const s of scenarios) {
    const r = await fetch(s.url, { method: s.method ?? 'GET', headers: s.headers, body: s.body });
    const text = await r.text();
    const okAnswer = s.name.startsWith('openapi x-token') ? r.status === 200 && text.includes('10003') : r.status === 200;
    if (!okAnswer) throw new Error(`${s.name} at ${s.url}: ${r.status} ${text.slice(0, 200)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

export { dropSchema, freshSchemaName } from '../e2e/support/pg-schema.ts';
