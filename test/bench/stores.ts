// PostgreSQL against SQLite, in one run (issue 9 item 8): `npx tsx test/bench/stores.ts`, and the end of
// `npm run bench`. Needs DIALECTGATE_BENCH_DATABASE_URL (or DIALECTGATE_TEST_DATABASE_URL); without it, one line
// says the PostgreSQL scenarios were skipped. Every run gets its own schema (dg_bench_<16 hex>), dropped at the end.
//
// - the four authenticated reads, one process on each store, warm cache: rounds interleaved bare → SQLite → PG
//   (the order of the two stores alternates between rounds); ratio PG/SQLite and each to the bare app;
// - fastapi access_token logins (8 connections, one account) on each store: ratio PG/SQLite;
// - writes, N concurrent hand-written clients (BENCH_WRITE_CLIENTS, default 8), each in a loop: the mix (v1auth user
//   create, then an update of that user, then a fastapi refresh rotation with the client's latest refresh token),
//   and the two cheap writes alone (refresh rotation; v1auth user update): ratio PG/SQLite;
// - three gateway processes on the PG schema, fastapi userinfo with the connections spread over the three against
//   one process with all of them: total req/s, twice: autocannon in this process (one load generator either way),
//   then one autocannon child process per gateway process (the generator spread too).
// Server CPU is the gateway's; on PostgreSQL db_cpu_us_per_req adds the server backends of the run's schema.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  CONNECTIONS, JSON_HEADERS, ADMIN, PG_URL, ROUNDS, SECONDS, adminTokens, authenticatedReads, checkReads, cpuMs, dropSchema, emit, freshSchemaName,
  load, load1, loadLine, loadSpread, median, medians, r3, selected, skipPostgres, startBare, startGateway, type Figures, type Gateway, type Scenario,
} from './harness.ts';

const WRITE_CLIENTS = Number(process.env.BENCH_WRITE_CLIENTS ?? 8);
const PREFIX = 'pg vs sqlite: ';
const READS = ['fastapi userinfo', 'fastapi users/list page 1', 'v1auth user detail (token)', 'openapi x-token check (PUT /api/v1/auth/password, empty body)'];
const LOGIN = 'fastapi access_token login';
const WRITES = ['write mix (v1auth create + update, fastapi refresh)', 'fastapi refresh rotation', 'v1auth user update'];
const SCALE = 'pg 3 processes: fastapi userinfo';
const wanted = [...READS, LOGIN, ...WRITES].some((n) => selected(PREFIX + n)) || selected(SCALE);

// ---------------------------------------------------------------------------------------------------------------
// CPU of the PostgreSQL backends serving one schema (application_name dialectgate/<schema>[/listen])

class DbCpu {
  private client: pg.Client;
  constructor(url: string, private schema: string) {
    this.client = new pg.Client({ connectionString: url, application_name: 'dialectgate-bench-observer' });
  }
  connect = () => this.client.connect();
  end = () => this.client.end();
  /** pid → CPU ms (utime + stime) of every backend of the schema now. */
  async snapshot(): Promise<Map<number, number>> {
    const { rows } = await this.client.query<{ pid: number }>(`select pid from pg_stat_activity where split_part(application_name, '/', 2) = $1`, [this.schema]);
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        out.set(pid, (Number(f[11]) + Number(f[12])) * 10);
      } catch {
        // gone already
      }
    }
    return out;
  }
  /** CPU ms since `before` (a backend born meanwhile counts whole; one that ended meanwhile is lost). */
  async since(before: Map<number, number>): Promise<number> {
    const now = await this.snapshot();
    let ms = 0;
    for (const [pid, cpu] of now) ms += cpu - (before.get(pid) ?? 0);
    return ms;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-written write clients

interface Client {
  refresh: string;
  /** a user of its own, for the update-only loop */
  userId: number;
  n: number;
}

async function call(url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: r.status, body: parsed };
}

const expect = (what: string, ok: boolean, answer: unknown) => {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(answer).slice(0, 300)}`);
};

class Writer {
  readonly clients: Client[] = [];
  private v1Token = '';
  constructor(private gw: Gateway, private tag: string) {}

  async setup(): Promise<void> {
    const v = await call(`${this.gw.urls.v1auth}/api/v1/auth/login`, 'POST', ADMIN);
    this.v1Token = v.body.data.token;
    for (let i = 0; i < WRITE_CLIENTS; i++) {
      const f = await call(`${this.gw.urls.fastapi}/api/v1/base/access_token`, 'POST', ADMIN);
      expect('fastapi login', f.status === 200, f.body);
      const id = await this.create(`bu_${this.tag}_${i}`);
      this.clients.push({ refresh: f.body.data.refresh_token, userId: id, n: 0 });
    }
  }

  private v1 = (path: string) => `${this.gw.urls.v1auth}/api/v1/auth${path}`;
  private auth = () => ({ authorization: `Bearer ${this.v1Token}` });

  async create(username: string): Promise<number> {
    const r = await call(this.v1('/users'), 'POST', { username, password: 'Bench-Pass1!', email: `${username}@example.com`, roles: ['user'] }, this.auth());
    expect(`v1auth create ${username}`, r.status === 200 && r.body.message === '用户创建成功', r.body);
    return Number(r.body.data.id);
  }
  async update(id: number, email: string): Promise<void> {
    const r = await call(this.v1(`/users/${id}`), 'PUT', { email }, this.auth());
    expect(`v1auth update ${id}`, r.status === 200 && r.body.message === '用户信息更新成功', r.body);
  }
  async rotate(c: Client): Promise<void> {
    const r = await call(`${this.gw.urls.fastapi}/api/v1/base/refresh_token`, 'POST', { refresh_token: c.refresh });
    expect('fastapi refresh', r.status === 200 && typeof r.body?.data?.refresh_token === 'string', r.body);
    c.refresh = r.body.data.refresh_token;
  }

  /** Every client loops `step` for `seconds`; requests per second and the median ms of each kind. */
  async run(kinds: ('create' | 'update' | 'rotate')[], round: string, seconds = SECONDS) {
    const times: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
    const timed = async (k: string, f: () => Promise<unknown>) => {
      const t0 = performance.now();
      const out = await f();
      times[k]!.push(performance.now() - t0);
      return out;
    };
    const until = performance.now() + seconds * 1000;
    const c0 = cpuMs(this.gw.pid);
    await Promise.all(
      this.clients.map(async (c, i) => {
        while (performance.now() < until) {
          c.n++;
          const mark = `${this.tag}_${round}_${i}_${c.n}`;
          let id = c.userId;
          if (kinds.includes('create')) id = (await timed('create', () => this.create(`bw_${mark}`))) as number;
          if (kinds.includes('update')) await timed('update', () => this.update(id, `bx_${mark}@example.com`));
          if (kinds.includes('rotate')) await timed('rotate', () => this.rotate(c));
        }
      }),
    );
    const cpu = cpuMs(this.gw.pid) - c0;
    const n = Object.values(times).reduce((s, xs) => s + xs.length, 0);
    return {
      rps: Math.round(n / seconds),
      ...Object.fromEntries(kinds.map((k) => [`${k}_rps`, Math.round(times[k]!.length / seconds)])),
      ...Object.fromEntries(kinds.map((k) => [`${k}_p50_ms`, Number(median(times[k]!).toFixed(1))])),
      cpu_us_per_req: Math.round((cpu * 1000) / Math.max(n, 1)),
    } as Record<string, number>;
  }
}

// ---------------------------------------------------------------------------------------------------------------

if (!wanted) {
  // BENCH_ONLY names none of these scenarios
} else if (!PG_URL) {
  skipPostgres();
} else {
  const url = PG_URL;
  const schema = freshSchemaName('dg_bench');
  const started: Gateway[] = [];
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  const db = new DbCpu(url, schema);
  loadLine('start of the store scenarios');
  try {
    await db.connect();
    const pgArgs = ['--database-url', url, '--database-schema', schema];
    bare = await startBare();
    const sq = await startGateway('sqlite');
    started.push(sq);
    const pgw = await startGateway('pg', pgArgs);
    started.push(pgw);
    emit({ scenario: 'store scenarios: setup', schema, sqlite_ms_spawn_to_ready: Math.round(sq.ms), pg_ms_spawn_to_ready: Math.round(pgw.ms), rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
    const gws = { sqlite: sq, pg: pgw };
    const tokens = { sqlite: await adminTokens(sq), pg: await adminTokens(pgw) };
    const reads = { sqlite: authenticatedReads(sq, tokens.sqlite), pg: authenticatedReads(pgw, tokens.pg) };
    await checkReads([...reads.sqlite, ...reads.pg]);
    const bareScenario: Scenario = { name: 'bare hono', url: bare.url };

    /** One store's round: autocannon on its gateway, with the backends' CPU on PG. */
    const measure = async (store: 'sqlite' | 'pg', s: Scenario) => {
      const before = store === 'pg' ? await db.snapshot() : undefined;
      const f = await load(s, [gws[store].pid]);
      const dbMs = before ? await db.since(before) : 0;
      const n = f.rps * SECONDS + f.non2xx;
      return store === 'pg' ? { ...f, db_cpu_us_per_req: Math.round((dbMs * 1000) / Math.max(n, 1)) } : f;
    };
    const compare = async (name: string, pick: (store: 'sqlite' | 'pg') => Scenario, withBare: boolean) => {
      if (!selected(PREFIX + name)) return;
      if (withBare) await load(bareScenario, [bare!.child.pid!], 2);
      for (const store of ['sqlite', 'pg'] as const) await load(pick(store), [gws[store].pid], 2); // warm-up
      const runs = { bare: [] as Figures[], sqlite: [] as Figures[], pg: [] as Figures[] };
      const loads: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        loads.push(load1());
        if (withBare) runs.bare.push(await load(bareScenario, [bare!.child.pid!]));
        for (const store of i % 2 ? (['pg', 'sqlite'] as const) : (['sqlite', 'pg'] as const)) runs[store].push(await measure(store, pick(store)));
      }
      const m = { sqlite: medians(runs.sqlite), pg: medians(runs.pg) };
      const b = withBare ? medians(runs.bare) : undefined;
      emit({
        scenario: PREFIX + name,
        ratio_pg_to_sqlite: r3(m.pg.rps / m.sqlite.rps),
        ...(b && { pg_to_bare: r3(m.pg.rps / b.rps), sqlite_to_bare: r3(m.sqlite.rps / b.rps), bare_rps: b.rps }),
        sqlite: m.sqlite,
        pg: m.pg,
        load_1min: median(loads),
      });
    };

    for (const [i, name] of READS.entries()) await compare(name, (store) => reads[store][i]!, true);
    await compare(LOGIN, (store) => ({ name: LOGIN, url: `${gws[store].urls.fastapi}/api/v1/base/access_token`, method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(ADMIN), connections: 8 }), false);

    // Writes: hand-written clients (a refresh needs the previous refresh token).
    if (WRITES.some((n) => selected(PREFIX + n))) {
      const writers = { sqlite: new Writer(sq, 'sq'), pg: new Writer(pgw, 'pg') };
      await writers.sqlite.setup();
      await writers.pg.setup();
      const loops: [string, ('create' | 'update' | 'rotate')[]][] = [
        [WRITES[0]!, ['create', 'update', 'rotate']],
        [WRITES[1]!, ['rotate']],
        [WRITES[2]!, ['update']],
      ];
      for (const [name, kinds] of loops) {
        if (!selected(PREFIX + name)) continue;
        for (const store of ['sqlite', 'pg'] as const) await writers[store].run(kinds, 'warm', 2);
        const runs = { sqlite: [] as Record<string, number>[], pg: [] as Record<string, number>[] };
        const loads: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          loads.push(load1());
          for (const store of i % 2 ? (['pg', 'sqlite'] as const) : (['sqlite', 'pg'] as const)) {
            const before = store === 'pg' ? await db.snapshot() : undefined;
            const f = await writers[store].run(kinds, `r${i}${kinds.join('')}`);
            if (before) f.db_cpu_us_per_req = Math.round(((await db.since(before)) * 1000) / Math.max(f.rps! * SECONDS, 1));
            runs[store].push(f);
          }
        }
        const m = { sqlite: medians(runs.sqlite), pg: medians(runs.pg) };
        emit({ scenario: PREFIX + name, clients: WRITE_CLIENTS, ratio_pg_to_sqlite: r3(m.pg.rps! / m.sqlite.rps!), sqlite: m.sqlite, pg: m.pg, load_1min: median(loads) });
      }
    }

    // Three processes on the one schema; pgw is the first of them.
    if (selected(SCALE)) {
      const more = await Promise.all(['pg-b', 'pg-c'].map((label) => startGateway(label, pgArgs)));
      started.push(...more);
      const three = [pgw, ...more];
      const userinfo = (gw: Gateway): Scenario => ({ name: SCALE, url: `${gw.urls.fastapi}/api/v1/base/userinfo`, headers: { authorization: `Bearer ${tokens.pg.fastapi}` } });
      await checkReads(three.map(userinfo)); // one signing key per dialect, in the store: the token of one is good on all
      const urls = three.map((g) => `${g.urls.fastapi}/api/v1/base/userinfo`);
      for (const generator of ['in-process', 'children'] as const) {
        const one = () => loadSpread(userinfo(pgw), urls.slice(0, 1), [pgw.pid], generator);
        const all = () => loadSpread(userinfo(pgw), urls, three.map((g) => g.pid), generator);
        await one();
        await all(); // warm-up: every process's cache
        const runs = { one: [] as Figures[], three: [] as Figures[] };
        const loads: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          loads.push(load1());
          for (const which of i % 2 ? (['three', 'one'] as const) : (['one', 'three'] as const)) runs[which].push(await (which === 'one' ? one() : all()));
        }
        const m = { one: medians(runs.one), three: medians(runs.three) };
        const how = generator === 'in-process' ? 'autocannon in the bench process (one load generator either way)' : 'one autocannon child process per gateway process';
        emit({ scenario: `${SCALE} (${generator} load generator)`, ratio_three_to_one: r3(m.three.rps / m.one.rps), connections: CONNECTIONS, load_generator: how, one_process: m.one, three_processes: m.three, load_1min: median(loads) });
      }
    }
  } finally {
    bare?.child.kill('SIGTERM');
    await Promise.all(started.map((g) => g.stop()));
    await db.end().catch(() => undefined);
    await dropSchema(url, schema);
    loadLine('end of the store scenarios');
  }
}
