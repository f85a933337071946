// Phases 3–8: the issue-8 findings replayed, login timing, the parallel lockout race, the flask body flood,
// slow clients and aborted bodies.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import http from 'node:http';
import { call, DEV, fastapiLogin, flaskLogin, openapiLogin, openapiUiLogin, userIds, roleIds, v1Key, v1Login } from './doors.ts';
import { claimsOf, json, median, openapiKey, quantile, r2, GATEWAY_ROOT, send, sign, signRaw, sleep, HS256_HEADER, type ChildGateway, type Dialect, type Res } from './lib.ts';

export interface Check {
  id: string;
  ok: boolean;
  detail: string;
}
const short = (r: Res) => `${r.status} ${r.body.toString('utf8').replace(/\s+$/, '').slice(0, 160)}`;

// ---------------------------------------------------------------------------------------------------------------
// 3. The findings, each of which should now be refused

export async function findings(gw: ChildGateway): Promise<{ checks: Check[]; observations: Check[] }> {
  const checks: Check[] = [];
  const observations: Check[] = [];
  const fa = await fastapiLogin(gw, 'admin', DEV.admin);
  const v1 = await v1Login(gw, 'admin', DEV.admin);
  const ids = await userIds(gw, v1);
  const roles = await roleIds(gw, v1);
  const id = (u: string) => ids.get(u)!;
  const role = (n: string) => Number(roles.get(n)!);

  // (1) rename admin, then anonymous init-password
  {
    const rename = await call(gw, 'fastapi', 'POST', '/api/v1/users/update', { bearer: fa.access }, { id: Number(id('admin')), username: 'root_renamed', email: 'admin@admin.com', role_ids: [role('admin'), role('user')] });
    const info = await call(gw, 'openapi', 'GET', '/api/v1/auth/initInfo');
    const init = await call(gw, 'openapi', 'POST', '/api/v1/auth/init-password', null, { newPassword: 'Take-Over1' });
    const takeover = await call(gw, 'openapi', 'POST', '/v1.0/openapi/auth/login', null, { username: 'admin', password: 'Take-Over1' });
    const code = json(init)?.errorCode;
    checks.push({
      id: '8.1 init-password after renaming admin',
      ok: rename.status === 200 && code === 20102 && json(takeover)?.code !== 0,
      detail: `rename ${short(rename)}; initInfo ${short(info)}; init-password errorCode ${code}; login admin/Take-Over1 code ${json(takeover)?.code}`,
    });
    const back = await call(gw, 'fastapi', 'POST', '/api/v1/users/update', { bearer: fa.access }, { id: Number(id('admin')), username: 'admin', email: 'admin@admin.com', role_ids: [role('admin'), role('user')] });
    if (back.status !== 200) throw new Error(`could not rename admin back: ${short(back)}`);
    // and with admin deleted? (a second superuser deletes it) — the fact must hold too
    const su = await call(gw, 'fastapi', 'POST', '/api/v1/users/create', { bearer: fa.access }, { username: 'second_su', email: 'second_su@example.com', password: 'Second-Pass1', is_superuser: true });
    const su2 = await fastapiLogin(gw, 'second_su', 'Second-Pass1');
    const del = await call(gw, 'fastapi', 'DELETE', `/api/v1/users/delete?user_id=${id('admin')}`, { bearer: su2.access });
    const init2 = await call(gw, 'openapi', 'POST', '/api/v1/auth/init-password', null, { newPassword: 'Take-Over2' });
    checks.push({ id: '8.1 init-password after deleting admin', ok: json(init2)?.errorCode === 20102, detail: `second superuser ${su.status}; delete admin ${short(del)}; init-password errorCode ${json(init2)?.errorCode}` });
  }
  return { checks, observations };
}

/** Findings 3, 5, 6, 7 and the cross-door observations, on a gateway whose admin still exists. */
export async function findingsRest(gw: ChildGateway): Promise<{ checks: Check[]; observations: Check[] }> {
  const checks: Check[] = [];
  const observations: Check[] = [];
  const secrets = gw.secrets();
  const fa = await fastapiLogin(gw, 'admin', DEV.admin);
  const v1 = await v1Login(gw, 'admin', DEV.admin);
  const ids = await userIds(gw, v1);
  const roles = await roleIds(gw, v1);
  const id = (u: string) => ids.get(u)!;
  const role = (n: string) => Number(roles.get(n)!);

  // (3) flask refresh token vs disable+enable in the same second
  {
    const runs: string[] = [];
    let ok = true;
    for (let k = 0; k < 3; k++) {
      while (Date.now() % 1000 > 200) await sleep(5);
      const t0 = Date.now();
      const { refresh } = await flaskLogin(gw, 'licheng.zhou9', DEV['licheng.zhou9']);
      const off = await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${id('licheng.zhou9')}`, { bearer: v1 }, { status: 'inactive' });
      const on = await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${id('licheng.zhou9')}`, { bearer: v1 }, { status: 'active' });
      const t1 = Date.now();
      const r = await call(gw, 'flask', 'POST', '/api/auth/refresh', { bearer: refresh });
      const again = await flaskLogin(gw, 'licheng.zhou9', DEV['licheng.zhou9']);
      const fresh = await call(gw, 'flask', 'POST', '/api/auth/refresh', { bearer: again.refresh });
      const same = Math.floor(t0 / 1000) === Math.floor(t1 / 1000);
      ok &&= r.status === 401 && fresh.status === 200 && off.status === 200 && on.status === 200;
      runs.push(`run ${k + 1}: login→enable in ${t1 - t0} ms (same second: ${same}), old refresh ${short(r)}, new login's refresh ${fresh.status}`);
    }
    checks.push({ id: '8.3 flask refresh after disable+enable within one second', ok, detail: runs.join('; ') });
  }

  // (5) wrong current passwords on the password-change forms
  {
    const token = await v1Login(gw, 'opsuser', DEV.opsuser);
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${id('opsuser')}/password`, { bearer: token }, { current_password: `Wrong-Guess${i}`, new_password: 'Another-Pass1!' });
      answers.push(`${r.status} ${json(r)?.message}`);
    }
    const evaluated = answers.findIndex((a) => a.includes('账号已被锁定'));
    const right = await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${id('opsuser')}/password`, { bearer: token }, { current_password: DEV.opsuser, new_password: 'Another-Pass1!' });
    const login = await call(gw, 'fastapi', 'POST', '/api/v1/base/access_token', null, { username: 'opsuser', password: DEV.opsuser });
    const counts = answers.reduce<Record<string, number>>((o, a) => ((o[a] = (o[a] ?? 0) + 1), o), {});
    checks.push({
      id: '8.5 v1auth PUT /users/{self}/password × 30 wrong',
      ok: evaluated === 5 && right.status === 401 && (json(login)?.msg ?? '').includes('锁定'),
      detail: `wrong answers before the lock: ${evaluated}; answers ${JSON.stringify(counts)}; then the right password: ${short(right)}; fastapi login: ${short(login)}`,
    });
    // the openapi form: answers are all 10001, so the audit log tells
    const eng = await openapiUiLogin(gw, 'engineer1', DEV.engineer1);
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await call(gw, 'openapi', 'PUT', '/api/v1/auth/password', { xtoken: eng }, { currentPassword: `wrong${i}`, newPassword: 'Next-Pass1' });
      codes.push(json(r)?.errorCode);
    }
    await sleep(100);
    const audit = auditCounts(gw, 'engineer1');
    const flaskNow = await call(gw, 'flask', 'POST', '/api/auth/login', null, { username: 'engineer1', password: DEV.engineer1 });
    checks.push({
      id: '8.5 openapi PUT /api/v1/auth/password × 30 wrong',
      ok: audit['password.change_failure'] === 5 && (json(flaskNow)?.msg ?? '').includes('锁定'),
      detail: `errorCodes ${JSON.stringify([...new Set(codes)])}; audit ${JSON.stringify(audit)}; flask login afterwards: ${json(flaskNow)?.msg}`,
    });
  }

  // (6) privilege across doors
  {
    const zs = await fastapiLogin(gw, 'zhangsan', DEV.zhangsan);
    const create = await call(gw, 'fastapi', 'POST', '/api/v1/users/create', { bearer: zs.access }, { username: 'evil_su', email: 'evil_su@example.com', password: 'evil12345', is_superuser: true });
    const after = await userIds(gw, v1);
    const promote = await call(gw, 'fastapi', 'POST', '/api/v1/users/update', { bearer: zs.access }, { id: Number(id('lisi')), username: 'lisi', email: 'lisi@example.com', is_superuser: true, role_ids: [role('普通用户')] });
    checks.push({ id: '8.6 fastapi 管理员 creates is_superuser:true', ok: create.status === 400 && !after.has('evil_su') && promote.status === 400, detail: `create ${short(create)}; user exists afterwards: ${after.has('evil_su')}; promote lisi ${short(promote)}` });
    const key = await v1Key(gw, v1, ['read', 'write', 'admin'], 'finding6');
    const reset = await call(gw, 'v1auth', 'POST', `/api/v1/auth/users/${id('lisi')}/reset-password`, { key: key.key }, { send_email: false });
    const resetSu = await call(gw, 'v1auth', 'POST', `/api/v1/auth/users/${id('admin')}/reset-password`, { key: key.key }, { send_email: false });
    const setOwn = await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${id('admin')}/password`, { key: key.key }, { current_password: DEV.admin, new_password: 'Taken-Over1!' });
    checks.push({
      id: '8.6 admin API key resets a password',
      ok: reset.status === 403 && resetSu.status === 403 && setOwn.status === 403,
      detail: `reset lisi ${short(reset)}; reset admin ${short(resetSu)}; PUT admin password ${short(setOwn)}`,
    });

    // Observations (not among the findings): can a privilege still be carried across a door?
    const target = json(await call(gw, 'v1auth', 'POST', '/api/v1/auth/users', { bearer: v1 }, { username: 'chainvictim', email: 'chainvictim@example.com', password: 'Chain-Victim1', roles: ['user'] }))?.data?.id as string;
    const made = await call(gw, 'v1auth', 'POST', '/api/v1/auth/users', { key: key.key }, { username: 'keymade', email: 'keymade@example.com', password: 'Key-Made1!', roles: ['admin'] });
    let chain = `admin API key POST /api/v1/auth/users {roles:[admin], password} → ${short(made)}`;
    let broken = made.status !== 200;
    if (!broken) {
      const t = await v1Login(gw, 'keymade', 'Key-Made1!');
      const rr = await call(gw, 'v1auth', 'POST', `/api/v1/auth/users/${target}/reset-password`, { bearer: t }, { send_email: false });
      const temp = json(rr)?.data?.temporary_password as string | undefined;
      chain += `; login keymade → token; POST /users/${target} (chainvictim)/reset-password → ${rr.status}${temp ? ' (temporary password shown)' : ''}`;
      if (temp) {
        const as = await call(gw, 'v1auth', 'POST', '/api/v1/auth/login', null, { username: 'chainvictim', password: temp });
        chain += `; login chainvictim with it → ${as.status}`;
        const k2 = await call(gw, 'v1auth', 'POST', '/api/v1/auth/api-keys', { bearer: t }, { name: 'from-key', permissions: ['admin'] });
        chain += `; keymade creates an admin key → ${k2.status}`;
      }
      broken = false;
    }
    observations.push({ id: 'an admin API key makes a password-holding admin user (key → login → reset → take over)', ok: broken, detail: chain });

    const zsMade = await call(gw, 'fastapi', 'POST', '/api/v1/users/create', { bearer: zs.access }, { username: 'zs_made', email: 'zs_made@example.com', password: 'ZsMade123', role_ids: [role('admin')] });
    let zchain = `zhangsan (fastapi 管理员) POST /api/v1/users/create {role_ids:[v1auth admin role ${role('admin')}]} → ${short(zsMade)}`;
    let zRefused = zsMade.status !== 200;
    if (!zRefused) {
      const t = await v1Login(gw, 'zs_made', 'ZsMade123');
      const list = await call(gw, 'v1auth', 'GET', '/api/v1/auth/users?page_size=1', { bearer: t });
      const rr = await call(gw, 'v1auth', 'POST', `/api/v1/auth/users/${id('lisi')}/reset-password`, { bearer: t }, { send_email: false });
      zchain += `; zs_made on v1auth: GET /users ${list.status}, reset lisi → ${rr.status}${json(rr)?.data?.temporary_password ? ' (temporary password shown)' : ''}`;
      zRefused = false;
    }
    const selfGrant = await call(gw, 'fastapi', 'POST', '/api/v1/users/update', { bearer: zs.access }, { id: Number(id('zhangsan')), username: 'zhangsan', email: 'zhangsan@example.com', role_ids: [role('管理员'), role('admin')] });
    zchain += `; zhangsan adds role admin to himself → ${short(selfGrant)}`;
    if (selfGrant.status === 200) {
      const t = await v1Login(gw, 'zhangsan', DEV.zhangsan);
      const list = await call(gw, 'v1auth', 'GET', '/api/v1/auth/users?page_size=1', { bearer: t });
      zchain += `, then v1auth GET /users as zhangsan → ${list.status}`;
    }
    observations.push({ id: 'fastapi 管理员 grants the v1auth admin role (to a new user or to himself)', ok: zRefused && selfGrant.status !== 200, detail: zchain });
  }

  // (7) well-signed tokens with odd claim types (signed with the keys in <data-dir>/secrets.json)
  {
    const rows: string[] = [];
    let ok = true;
    const expect = (what: string, r: Res, good: (r: Res) => boolean) => {
      const pass = good(r) && r.status < 500 && json(r)?.code !== 500;
      ok &&= pass;
      rows.push(`${pass ? 'ok' : 'FAIL'} ${what} → ${short(r).slice(0, 90)}`);
    };
    const real = await fastapiLogin(gw, 'admin', DEV.admin);
    const rc = claimsOf(real.refresh);
    const ac = claimsOf(real.access);
    for (const [label, jti] of [['12345', 12345], ['{}', {}], ['[]', []], ['null', null], ['true', true], ['1.5', 1.5]] as const) {
      const t = sign({ ...rc, jti }, secrets.fastapi);
      expect(`fastapi refresh_token jti=${label}`, await call(gw, 'fastapi', 'POST', '/api/v1/base/refresh_token', null, { refresh_token: t }), (r) => r.status === 401);
    }
    const raw1e400 = signRaw(HS256_HEADER, JSON.stringify(rc).replace(/"jti":"[^"]*"/, '"jti":1e400'), secrets.fastapi);
    expect('fastapi refresh_token jti=1e400', await call(gw, 'fastapi', 'POST', '/api/v1/base/refresh_token', null, { refresh_token: raw1e400 }), (r) => r.status === 401);
    for (const [label, patch] of [['sid=1', { sid: 1 }], ['sid=null', { sid: null }], ['user_id="1"', { user_id: '1' }], ['user_id=1.5', { user_id: 1.5 }], ['token_type=[]', { token_type: [] }]] as const) {
      expect(`fastapi userinfo access ${label}`, await call(gw, 'fastapi', 'GET', '/api/v1/base/userinfo', { bearer: sign({ ...ac, ...patch }, secrets.fastapi) }), (r) => r.status === 401);
      expect(`fastapi refresh_token ${label}`, await call(gw, 'fastapi', 'POST', '/api/v1/base/refresh_token', null, { refresh_token: sign({ ...rc, ...patch }, secrets.fastapi) }), (r) => r.status === 401);
    }
    const vt = await v1Login(gw, 'admin', DEV.admin);
    const vc = claimsOf(vt);
    for (const [label, patch] of [['rem="yes"', { rem: 'yes' }], ['sub=1', { sub: 1 }], ['sub="1e3"', { sub: '1e3' }], ['sid=1', { sid: 1 }], ['jti=1', { jti: 1 }], ['exp="x"', { exp: 'x' }]] as const) {
      const t = sign({ ...vc, ...patch }, secrets.v1auth);
      expect(`v1auth GET /users ${label}`, await call(gw, 'v1auth', 'GET', '/api/v1/auth/users', { bearer: t }), (r) => r.status === 401);
      expect(`v1auth POST /refresh ${label}`, await call(gw, 'v1auth', 'POST', '/api/v1/auth/refresh', { bearer: t }, { token: t }), (r) => r.status === 401);
    }
    const oa = await openapiLogin(gw, 'admin', DEV.admin);
    const oac = claimsOf(oa.access);
    const orc = claimsOf(oa.refresh);
    for (const [label, patch] of [['jti=1', { jti: 1 }], ['sid={}', { sid: {} }], ['ID="1"', { ID: '1' }], ['Username=null', { Username: null }]] as const) {
      expect(`openapi x-token ${label}`, await call(gw, 'openapi', 'PUT', '/api/v1/auth/password', { xtoken: sign({ ...oac, ...patch }, openapiKey(secrets.openapi, 'access')) }, {}), (r) => json(r)?.errorCode === 10006);
      expect(`openapi refresh ${label}`, await call(gw, 'openapi', 'POST', `/v1.0/openapi/token/${sign({ ...orc, ...patch }, openapiKey(secrets.openapi, 'refresh'))}`), (r) => json(r)?.code === 1011);
    }
    const fl = await flaskLogin(gw, 'admin', DEV.admin);
    const fc = claimsOf(fl.refresh);
    for (const [label, patch, status] of [['jti=1', { jti: 1 }, 422], ['sub=1', { sub: 1 }, 422], ['jti={}', { jti: {} }, 422]] as const) {
      expect(`flask refresh ${label}`, await call(gw, 'flask', 'POST', '/api/auth/refresh', { bearer: sign({ ...fc, ...patch }, secrets.flask) }), (r) => r.status === status);
    }
    expect('flask refresh jti=unknown string', await call(gw, 'flask', 'POST', '/api/auth/refresh', { bearer: sign({ ...fc, jti: 'not-a-session' }, secrets.flask) }), (r) => r.status === 401);
    checks.push({ id: '8.7 well-signed tokens with non-string claims', ok, detail: rows.filter((x) => x.startsWith('FAIL')).join('; ') || `${rows.length} tokens, every one refused with 401/422/10006/1011, none 5xx` });
  }
  return { checks, observations };
}

function auditCounts(gw: ChildGateway, subject: string): Record<string, number> {
  const db = new Database(join(gw.dataDir, 'gateway.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT event, detail FROM audit_log WHERE subject = ?').all(subject) as { event: string; detail: string | null }[];
    const out: Record<string, number> = {};
    for (const r of rows) {
      const reason = r.detail ? (JSON.parse(r.detail) as { reason?: string }).reason : undefined;
      const k = reason ? `${r.event}:${reason}` : r.event;
      out[k] = (out[k] ?? 0) + 1;
      if (k !== r.event) out[r.event] = (out[r.event] ?? 0) + 1;
    }
    return out;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Login timing: unknown user vs a known user, 1500-byte password

const LOGIN: Record<Dialect, { path: string; body: (u: string, p: string) => unknown; verdict: (r: Res) => string }> = {
  fastapi: { path: '/api/v1/base/access_token', body: (username, password) => ({ username, password }), verdict: (r) => json(r)?.msg },
  flask: { path: '/api/auth/login', body: (username, password) => ({ username, password }), verdict: (r) => json(r)?.msg },
  v1auth: { path: '/api/v1/auth/login', body: (username, password) => ({ username, password }), verdict: (r) => json(r)?.message },
  openapi: { path: '/v1.0/openapi/auth/login', body: (username, password) => ({ username, password }), verdict: (r) => String(json(r)?.code) },
};

export interface TimingRow {
  d: Dialect;
  iqr: Record<'unknown' | 'admin' | 'fresh', [number, number]>;
  unknown: number;
  admin: number;
  fresh: number;
  diff: number;
  ratio: number;
  freshDiff: number;
  freshRatio: number;
  adminAnswers: Record<string, number>;
}

export async function timing(gw: ChildGateway, tries = 50): Promise<{ rows: TimingRow[]; unlock: string; adminAfter: string }> {
  const fa = await fastapiLogin(gw, 'admin', DEV.admin);
  const fresh: string[] = [];
  for (let i = 0; i < tries; i++) {
    const name = `timing_${i}`;
    const r = await call(gw, 'fastapi', 'POST', '/api/v1/users/create', { bearer: fa.access }, { username: name, email: `${name}@example.com`, password: 'Timing-Pass1', role_ids: [] });
    if (r.status !== 200) throw new Error(`timing user: ${short(r)}`);
    fresh.push(name);
  }
  const password = 'p'.repeat(1500);
  const rows: TimingRow[] = [];
  for (const d of ['fastapi', 'flask', 'v1auth', 'openapi'] as const) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const t = { unknown: [] as number[], admin: [] as number[], fresh: [] as number[] };
    const adminAnswers: Record<string, number> = {};
    const once = async (username: string) => {
      const r = await send({ port: gw.ports[d], agent, method: 'POST', path: LOGIN[d].path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(LOGIN[d].body(username, password)) });
      return r;
    };
    await once('warm-up-nobody');
    for (let i = 0; i < tries; i++) {
      const order = (['unknown', 'admin', 'fresh'] as const).slice().sort(() => Math.random() - 0.5);
      for (const which of order) {
        const username = which === 'unknown' ? `nobody_${i}_${Math.random().toString(36).slice(2, 8)}` : which === 'admin' ? 'admin' : fresh[i]!;
        const r = await once(username);
        t[which].push(r.ms);
        if (which === 'admin') adminAnswers[LOGIN[d].verdict(r)] = (adminAnswers[LOGIN[d].verdict(r)] ?? 0) + 1;
      }
    }
    agent.destroy();
    const m = { unknown: median(t.unknown), admin: median(t.admin), fresh: median(t.fresh) };
    const iqr = (xs: number[]): [number, number] => [r2(quantile(xs, 0.25)), r2(quantile(xs, 0.75))];
    rows.push({ d, iqr: { unknown: iqr(t.unknown), admin: iqr(t.admin), fresh: iqr(t.fresh) }, unknown: r2(m.unknown), admin: r2(m.admin), fresh: r2(m.fresh), diff: r2(m.admin - m.unknown), ratio: r2(m.admin / m.unknown), freshDiff: r2(m.fresh - m.unknown), freshRatio: r2(m.fresh / m.unknown), adminAnswers });
  }
  const u = spawnSync('npm', ['run', '--silent', 'unlock', '--', '--data-dir', gw.dataDir, 'admin'], { cwd: GATEWAY_ROOT, encoding: 'utf8' });
  const unlock = `exit ${u.status}: ${(u.stdout + u.stderr).trim()}`;
  await sleep(100);
  const after = await call(gw, 'fastapi', 'POST', '/api/v1/base/access_token', null, { username: 'admin', password: DEV.admin });
  return { rows, unlock, adminAfter: `${after.status} ${json(after)?.msg}` };
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Parallel lockout race

export async function race(gw: ChildGateway, n = 50) {
  const fa = await fastapiLogin(gw, 'admin', DEV.admin);
  const create = await call(gw, 'fastapi', 'POST', '/api/v1/users/create', { bearer: fa.access }, { username: 'racer', email: 'racer@example.com', password: 'Race-Pass1', role_ids: [] });
  if (create.status !== 200) throw new Error(`racer: ${short(create)}`);
  const order = ['fastapi', 'flask', 'v1auth', 'openapi'] as const;
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const d = order[i % 4]!;
      return send({ port: gw.ports[d], agent: false, method: 'POST', path: LOGIN[d].path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(LOGIN[d].body('racer', `wrong-${i}`)) }).then((r) => ({ d, r }));
    }),
  );
  const tally: Record<string, number> = {};
  let wrongByAnswer = 0;
  let lockedByAnswer = 0;
  let ambiguous = 0;
  for (const { d, r } of answers) {
    const v = LOGIN[d].verdict(r);
    tally[`${d}: ${v}`] = (tally[`${d}: ${v}`] ?? 0) + 1;
    if (d === 'openapi') ambiguous++;
    else if (String(v).includes('锁定')) lockedByAnswer++;
    else wrongByAnswer++;
  }
  await sleep(100);
  const audit = auditCounts(gw, 'racer');
  const right: string[] = [];
  let rightRefused = true;
  for (const d of order) {
    const r = await send({ port: gw.ports[d], method: 'POST', path: LOGIN[d].path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(LOGIN[d].body('racer', 'Race-Pass1')) });
    const v = LOGIN[d].verdict(r);
    const ok = d === 'openapi' ? v === '20101' : String(v).includes('锁定');
    rightRefused &&= ok;
    right.push(`${d}: ${v}`);
  }
  return { n, evaluated: audit['login.failure:bad_password'] ?? 0, lockedRefusals: audit['login.locked'] ?? 0, wrongByAnswer, lockedByAnswer, ambiguous, tally, audit, right, rightRefused };
}

// ---------------------------------------------------------------------------------------------------------------
// 6. Flask body flood vs fastapi health latency

const FLOOD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, body, seconds, clients } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const end = Date.now() + seconds * 1000;
const statuses = {};
let sent = 0, bytes = 0;
function one() {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/login', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => { statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; resolve(); });
    });
    req.on('error', (e) => { statuses['ERR ' + e.code] = (statuses['ERR ' + e.code] || 0) + 1; resolve(); });
    req.end(body);
  });
}
(async () => {
  await Promise.all(Array.from({ length: clients }, async () => { while (Date.now() < end) { await one(); sent++; bytes += body.length; } }));
  agent.destroy();
  parentPort.postMessage({ sent, bytes, statuses });
})();
`;

/** ~1 MiB of valid JSON in three shapes; an empty username keeps the answer a cheap business failure (HTTP 200, no hashing). */
export function floodBodies(): Record<'mixed' | 'objects' | 'string', Buffer> {
  const build = (item: (i: number) => string) => {
    const items: string[] = [];
    let size = 60;
    for (let i = 0; size < 1_040_000; i++) {
      const it = item(i);
      items.push(it);
      size += Buffer.byteLength(it) + 1;
    }
    return Buffer.from(`{"username":"","password":"x","contact_info":[${items.join(',')}]}`);
  };
  return {
    mixed: build((i) => (i % 3 === 0 ? `{"k":"value ${i}","n":${i},"f":${i}.5,"b":true}` : i % 3 === 1 ? `"\\u4e2d\\u6587 ${i} \\ud83d\\ude00"` : `"中文 é ${i}"`)),
    objects: build((i) => `{"k":"value ${i}","n":${i}}`),
    string: Buffer.from(`{"username":"","password":"${'x'.repeat(1_040_000)}"}`),
  };
}

export async function flood(gw: ChildGateway, shape: 'mixed' | 'objects' | 'string' = 'mixed', seconds = 10, clients = 4) {
  const body = floodBodies()[shape];
  const check = await gw.send('flask', { method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json' }, body });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const health = async (ms: number) => {
    const out: number[] = [];
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const r = await send({ port: gw.ports.fastapi, agent, method: 'GET', path: '/api/v1/base/health' });
      if (r.status === 200) out.push(r.ms);
    }
    return out;
  };
  const quiet = await health(2000);
  const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { port: gw.ports.flask, body, seconds, clients } });
  const done = new Promise<{ sent: number; bytes: number; statuses: Record<string, number> }>((res, rej) => {
    worker.once('message', res);
    worker.once('error', rej);
  });
  await sleep(300);
  const during = await health(seconds * 1000 - 600);
  const f = await done;
  await worker.terminate();
  agent.destroy();
  const stat = (xs: number[]) => ({ n: xs.length, p50: r2(quantile(xs, 0.5)), p99: r2(quantile(xs, 0.99)), max: r2(Math.max(...xs)) });
  return {
    shape,
    bodyBytes: body.length,
    checkAnswer: `${check.status} ${check.body.toString('utf8').trim().slice(0, 120)}`,
    singleMs: r2(check.ms),
    flaskRequests: f.sent,
    flaskPerSecond: r2(f.sent / seconds),
    flaskMiBps: r2(f.bytes / seconds / 1_048_576),
    flaskStatuses: f.statuses,
    quiet: stat(quiet),
    during: stat(during),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 7. Slow clients, 8. aborted bodies

interface Cut {
  d: Dialect;
  kind: 'slow headers' | 'slow body';
  seconds: number;
  answer: string;
  bytesSent: number;
}

function slowOne(port: number, d: Dialect, kind: Cut['kind'], giveUpS = 120): Promise<Cut> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s: Socket = connect(port, '127.0.0.1');
    let reply = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const path = { fastapi: '/api/v1/base/access_token', flask: '/api/auth/login', v1auth: '/api/v1/auth/login', openapi: '/v1.0/openapi/auth/login' }[d];
    const finish = () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      s.destroy();
      resolve({ d, kind, seconds: r2((performance.now() - t0) / 1000), answer: reply.split('\r\n')[0] || '(closed without an answer)', bytesSent: sent });
    };
    const giveUp = setTimeout(() => {
      reply ||= `still open after ${giveUpS} s`;
      finish();
    }, giveUpS * 1000);
    s.setEncoding('latin1');
    s.on('data', (x: string) => (reply += x));
    s.on('error', () => {});
    s.once('close', finish);
    s.once('connect', () => {
      const head = kind === 'slow headers' ? `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: ` : `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`;
      s.write(head);
      sent = head.length;
      timer = setInterval(() => {
        if (s.writable) {
          s.write('a');
          sent++;
        }
      }, 1000);
    });
  });
}

export function slowClients(gw: ChildGateway): Promise<Cut[]> {
  const all: Promise<Cut>[] = [];
  for (const d of ['fastapi', 'flask', 'v1auth', 'openapi'] as const) for (const k of ['slow headers', 'slow body'] as const) all.push(slowOne(gw.ports[d], d, k));
  return Promise.all(all);
}

export async function aborts(gw: ChildGateway, n = 100) {
  const from = gw.lines.length;
  const v1 = await v1Login(gw, 'admin', DEV.admin);
  const fa = await fastapiLogin(gw, 'admin', DEV.admin);
  const targets: [Dialect, string, string][] = [
    ['fastapi', 'POST /api/v1/base/access_token', ''],
    ['fastapi', 'POST /api/v1/users/create', `Authorization: Bearer ${fa.access}\r\n`],
    ['flask', 'POST /api/auth/login', ''],
    ['flask', 'POST /auth/register', ''],
    ['v1auth', 'POST /api/v1/auth/login', ''],
    ['v1auth', 'POST /api/v1/auth/users', `Authorization: Bearer ${v1}\r\n`],
    ['openapi', 'POST /v1.0/openapi/auth/login', ''],
    ['openapi', 'PUT /api/v1/auth/password', `x-token: ${(await openapiLogin(gw, 'admin', DEV.admin)).access}\r\n`],
  ];
  const ways: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<void>((resolve) => {
        const [d, line, auth] = targets[i % targets.length]!;
        const chunked = i % 5 === 4;
        const s = connect(gw.ports[d], '127.0.0.1');
        s.on('error', () => {});
        s.once('close', () => resolve());
        s.once('connect', () => {
          const head = `${line} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}${chunked ? 'Transfer-Encoding: chunked\r\n' : 'Content-Length: 200000\r\n'}\r\n`;
          const part = `{"username":"${'a'.repeat(30_000 + (i % 7) * 5000)}`;
          s.write(head);
          s.write(chunked ? `${part.length.toString(16)}\r\n${part}\r\n` : part);
          setTimeout(() => {
            const how = i % 2 === 0 ? 'destroy (FIN)' : 'resetAndDestroy (RST)';
            ways[how] = (ways[how] ?? 0) + 1;
            if (i % 2 === 0) s.destroy();
            else s.resetAndDestroy();
          }, 20 + (i % 10) * 15);
        });
      }),
    ),
  );
  await sleep(2000);
  const health = await gw.send('fastapi', { method: 'GET', path: '/api/v1/base/health' });
  const lines = gw.unhandled(from).map((l) => `${l.stream}: ${l.text}`);
  const other = gw.lines.slice(from).filter((l) => l.stream === 'stderr').map((l) => l.text);
  return { n, ways, unhandled: lines.length, unhandledLines: lines.slice(0, 10), stderrLines: other.length, stderrSample: other.slice(0, 5), healthAfter: health.status };
}

void v1Key;
