// Login timing (issue 8 item 2): an unknown user against a known one, both with a 1500-byte password (past the
// core's 1024-byte limit), on each dialect's login route; 50 tries of each (BENCH_TIMING_TRIES), interleaved in a
// random order per try, one at a time on one keep-alive connection. Medians, their difference and their ratio; the
// target is a difference under 1 ms. Every known try uses a fresh user of its own (created first through v1auth),
// so no account reaches the lockout (each takes one failure per dialect: 4 of the 5). On SQLite, and on PostgreSQL
// (a fresh schema, dropped afterwards) when DIALECTGATE_BENCH_DATABASE_URL or DIALECTGATE_TEST_DATABASE_URL is set.
// `npx tsx test/bench/login-timing.ts`, and the end of `npm run bench`.
import http from 'node:http';
import { ADMIN, DIALECTS, PG_URL, dropSchema, emit, freshSchemaName, load1, median, r3, selected, skipPostgres, startGateway, type Dialect, type Gateway } from './harness.ts';

const TRIES = Number(process.env.BENCH_TIMING_TRIES ?? 50);
const PASSWORD = 'p'.repeat(1500);
const NAME = 'login timing';
const LOGIN: Record<Dialect, { path: string; verdict: (status: number, body: any) => string }> = {
  fastapi: { path: '/api/v1/base/access_token', verdict: (s, b) => `${s} ${b?.msg}` },
  flask: { path: '/api/auth/login', verdict: (s, b) => `${s} ${b?.msg}` },
  v1auth: { path: '/api/v1/auth/login', verdict: (s, b) => `${s} ${b?.message}` },
  openapi: { path: '/v1.0/openapi/auth/login', verdict: (s, b) => `${s} ${b?.code}` },
};

function post(agent: http.Agent, url: string, body: unknown): Promise<{ ms: number; status: number; body: any }> {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        resolve({ ms, status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const r2 = (x: number) => Number(x.toFixed(2));

async function timeStore(store: 'sqlite' | 'pg', gw: Gateway): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const admin = await post(agent, `${gw.urls.v1auth}/api/v1/auth/login`, ADMIN);
  const token = admin.body.data.token as string;
  const known: string[] = [];
  for (let i = 0; i < TRIES; i++) {
    const username = `timing_${i}`;
    const r = await fetch(`${gw.urls.v1auth}/api/v1/auth/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ username, password: 'Timing-Pass1!', email: `${username}@example.com`, roles: ['user'] }),
    });
    const b = (await r.json()) as { message: string };
    if (b.message !== '用户创建成功') throw new Error(`timing user ${username}: ${JSON.stringify(b)}`);
    known.push(username);
  }
  for (const d of DIALECTS) {
    if (!selected(`${NAME}: ${d}`)) continue;
    const url = `${gw.urls[d]}${LOGIN[d].path}`;
    const times = { unknown: [] as number[], known: [] as number[] };
    const answers = { unknown: {} as Record<string, number>, known: {} as Record<string, number> };
    const loads = [load1()];
    for (let w = 0; w < 3; w++) await post(agent, url, { username: `warm_up_nobody_${w}`, password: PASSWORD });
    for (let i = 0; i < TRIES; i++) {
      for (const kind of Math.random() < 0.5 ? (['unknown', 'known'] as const) : (['known', 'unknown'] as const)) {
        const username = kind === 'known' ? known[i]! : `nobody_${i}_${Math.random().toString(36).slice(2, 8)}`;
        const r = await post(agent, url, { username, password: PASSWORD });
        times[kind].push(r.ms);
        const v = LOGIN[d].verdict(r.status, r.body);
        answers[kind][v] = (answers[kind][v] ?? 0) + 1;
      }
    }
    loads.push(load1());
    const m = { unknown: median(times.unknown), known: median(times.known) };
    const diff = m.known - m.unknown;
    emit({
      scenario: `${NAME}: ${d} (${store})`,
      ratio_known_to_unknown: r3(m.known / m.unknown),
      diff_ms: r2(diff),
      under_1ms: Math.abs(diff) < 1,
      unknown_median_ms: r2(m.unknown),
      known_median_ms: r2(m.known),
      unknown_iqr_ms: [r2(quantile(times.unknown, 0.25)), r2(quantile(times.unknown, 0.75))],
      known_iqr_ms: [r2(quantile(times.known, 0.25)), r2(quantile(times.known, 0.75))],
      tries: TRIES,
      password_bytes: PASSWORD.length,
      answers,
      load_1min: loads,
    });
  }
  agent.destroy();
}

if (DIALECTS.some((d) => selected(`${NAME}: ${d}`))) {
  const sq = await startGateway('timing-sqlite');
  try {
    await timeStore('sqlite', sq);
  } finally {
    await sq.stop();
  }
  if (!PG_URL) skipPostgres();
  else {
    const schema = freshSchemaName('dg_bench');
    try {
      const pgw = await startGateway('timing-pg', ['--database-url', PG_URL, '--database-schema', schema]);
      try {
        await timeStore('pg', pgw);
      } finally {
        await pgw.stop();
      }
    } finally {
      await dropSchema(PG_URL, schema);
    }
  }
}
