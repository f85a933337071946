// Phase 2: every protected route × ~30 kinds of credential. A cell is "wrongly granted" when a caller that lacks
// the right gets the route's success answer; "legit refused" cells (a caller with the right that was refused)
// show whether the matrix itself means anything (they should be 0).
import { call, fastapiLogin, flaskLogin, JSON_CT, openapiLogin, openapiUiLogin, roleIds, v1Key, v1Login, DEV } from './doors.ts';
import { claimsOf, json, openapiKey, randomKey, sign, signRaw, type ChildGateway, type Dialect, type Res } from './lib.ts';

type Who = 'S' | 'Z' | 'L' | 'C' | 'O' | 'D' | 'R' | 'X' | 'Y' | 'E';
const LIVE: Who[] = ['S', 'Z', 'L', 'C', 'O', 'D'];
const ALL: Who[] = [...LIVE, 'R', 'X', 'Y', 'E'];
/** S superuser; Z 管理员; L 普通用户; C flask USER; O v1auth user; D v1auth admin role (no superuser); R/X/Y/E superusers whose tokens are revoked, disabled, deleted, disabled+re-enabled. */
const DESCRIBE: Record<Who, string> = { S: 'superuser', Z: 'fastapi 管理员', L: 'fastapi 普通用户', C: 'flask USER', O: 'v1auth user', D: 'v1auth admin role (not superuser)', R: 'revoked by password change', X: 'disabled', Y: 'deleted', E: 'disabled+enabled' };

type Slot = 'access' | 'refresh';
interface Principal {
  who: Who;
  via: 'token' | 'ui' | 'key';
  perms?: string[];
}
interface Value {
  value: string | null;
  principal: Principal | null;
  owner: Who;
}
type Tok = { access: string; refresh: string };

const PW = 'Probe-Pass1';

class Set_ {
  tok = {} as Record<Who, Record<Dialect, Tok>>;
  ui = '';
  pw = {} as Record<Who, string>;
  ids = {} as Record<Who, string>;
  names = {} as Record<Who, string>;
  keys = {} as Record<'ops' | 'read' | 'full' | 'disabled' | 'deleted' | 'disabledUser', string>;
  extra = {} as { loggedOut: string; v1Old: string; faSpent: string; oaSpent: string };
  forged = {} as Record<Dialect, Record<Slot, Record<'none' | 'wrongkey' | 'hs512' | 'expired' | 'tampered' | 'forgedsid', string>>>;
}

export interface Cell {
  route: string;
  kind: string;
  status: number;
  code?: unknown;
  granted: boolean;
  passed: boolean;
  allowed: boolean;
  ambiguous: boolean;
  note?: string;
}

export interface AuthzResult {
  routes: number;
  kinds: number;
  cells: Cell[];
  wronglyGranted: Cell[];
  ambiguousGranted: Cell[];
  wronglyPassedGuard: Cell[];
  legitRefused: Cell[];
  seconds: number;
}

export async function runAuthz(gw: ChildGateway, log: (s: string) => void): Promise<AuthzResult> {
  const t0 = performance.now();
  const secrets = gw.secrets();
  const seedFa = await fastapiLogin(gw, 'admin', DEV.admin);
  const seedV1 = await v1Login(gw, 'admin', DEV.admin);
  const roles = await roleIds(gw, seedV1);
  const role = (n: string) => Number(roles.get(n)!);
  let counter = 0;
  const uniq = (p: string) => `${p}${Date.now().toString(36)}${(counter++).toString(36)}`;

  async function idOf(username: string): Promise<string> {
    const r = await call(gw, 'v1auth', 'GET', `/api/v1/auth/users?username=${encodeURIComponent(username)}&page_size=100`, { bearer: seedV1 });
    const u = ((json(r)?.data?.users ?? []) as { id: string; username: string }[]).find((x) => x.username === username);
    if (!u) throw new Error(`no id for ${username}: ${r.body.toString().slice(0, 200)}`);
    return u.id;
  }
  async function fastapiCreate(username: string, superuser: boolean, roleIdList: number[], password = PW): Promise<string> {
    const r = await call(gw, 'fastapi', 'POST', '/api/v1/users/create', { bearer: seedFa.access }, { username, email: `${username.toLowerCase()}@example.com`, password, is_superuser: superuser, role_ids: roleIdList, dept_id: 0 });
    if (r.status !== 200) throw new Error(`create ${username}: ${r.status} ${r.body}`);
    return idOf(username);
  }

  // ---- the credential set
  const s = new Set_();
  const tag = `m${Date.now().toString(36).slice(-4)}_`;
  const rolesOf: Record<Who, number[]> = { S: [role('admin'), role('user')], Z: [role('管理员')], L: [role('普通用户')], C: [role('USER')], O: [role('user')], D: [role('admin')], R: [], X: [], Y: [], E: [] };
  for (const w of ALL) {
    s.names[w] = `${tag}${w}`;
    s.pw[w] = PW;
    s.ids[w] = await fastapiCreate(s.names[w], ['S', 'R', 'X', 'Y', 'E'].includes(w), rolesOf[w]);
  }
  async function loginAll(w: Who) {
    const [fa, fl, v1, oa] = await Promise.all([fastapiLogin(gw, s.names[w], s.pw[w]), flaskLogin(gw, s.names[w], s.pw[w]), v1Login(gw, s.names[w], s.pw[w]), openapiLogin(gw, s.names[w], s.pw[w])]);
    s.tok[w] = { fastapi: fa, flask: fl, v1auth: { access: v1, refresh: v1 }, openapi: oa };
  }
  async function relogLegit() {
    await Promise.all(LIVE.map(loginAll));
    s.ui = await openapiUiLogin(gw, s.names.S, s.pw.S);
  }
  await Promise.all(ALL.map(loginAll));
  s.ui = await openapiUiLogin(gw, s.names.S, s.pw.S);
  const v1 = (w: Who) => ({ bearer: s.tok[w].v1auth.access });
  // keys
  s.keys.ops = (await v1Key(gw, s.tok.O.v1auth.access, ['read', 'write'], 'ops')).key;
  s.keys.read = (await v1Key(gw, s.tok.S.v1auth.access, ['read'], 'read')).key;
  s.keys.full = (await v1Key(gw, s.tok.S.v1auth.access, ['read', 'write', 'admin'], 'full')).key;
  const dis = await v1Key(gw, s.tok.S.v1auth.access, ['read', 'write', 'admin'], 'disabled');
  await call(gw, 'v1auth', 'POST', `/api/v1/auth/api-keys/${dis.id}/disable`, v1('S'));
  s.keys.disabled = dis.key;
  const del = await v1Key(gw, s.tok.S.v1auth.access, ['read', 'write', 'admin'], 'deleted');
  await call(gw, 'v1auth', 'DELETE', `/api/v1/auth/api-keys/${del.id}`, v1('S'));
  s.keys.deleted = del.key;
  s.keys.disabledUser = (await v1Key(gw, s.tok.X.v1auth.access, ['read', 'write', 'admin'], 'x')).key;
  // revocations
  const r2 = await v1Login(gw, s.names.R, PW);
  const changed = await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${s.ids.R}/password`, { bearer: r2 }, { current_password: PW, new_password: 'Probe-Pass2' });
  if (changed.status !== 200) throw new Error(`R password change: ${changed.status} ${changed.body}`);
  await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${s.ids.X}`, { bearer: seedV1 }, { status: 'inactive' });
  await call(gw, 'v1auth', 'DELETE', `/api/v1/auth/users/${s.ids.Y}`, { bearer: seedV1 });
  await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${s.ids.E}`, { bearer: seedV1 }, { status: 'inactive' });
  await call(gw, 'v1auth', 'PUT', `/api/v1/auth/users/${s.ids.E}`, { bearer: seedV1 }, { status: 'active' });
  s.extra.loggedOut = await v1Login(gw, s.names.S, PW);
  await call(gw, 'v1auth', 'POST', '/api/v1/auth/logout', { bearer: s.extra.loggedOut });
  s.extra.v1Old = await v1Login(gw, s.names.S, PW);
  await call(gw, 'v1auth', 'POST', '/api/v1/auth/refresh', { bearer: s.extra.v1Old }, { token: s.extra.v1Old });
  s.extra.faSpent = (await fastapiLogin(gw, s.names.S, PW)).refresh;
  await call(gw, 'fastapi', 'POST', '/api/v1/base/refresh_token', null, { refresh_token: s.extra.faSpent });
  s.extra.oaSpent = (await openapiLogin(gw, s.names.S, PW)).refresh;
  await call(gw, 'openapi', 'POST', `/v1.0/openapi/token/${s.extra.oaSpent}`);
  // forged tokens (with the dialect's real key where a key is needed)
  const keyFor = (d: Dialect, slot: Slot) => (d === 'openapi' ? openapiKey(secrets.openapi, slot) : secrets[d]);
  for (const d of ['fastapi', 'flask', 'v1auth', 'openapi'] as const) {
    s.forged[d] = {} as Set_['forged'][Dialect];
    for (const slot of ['access', 'refresh'] as const) {
      const real = s.tok.S[d][slot];
      const c = claimsOf(real);
      const key = keyFor(d, slot);
      const now = Math.floor(Date.now() / 1000);
      const plain = s.tok.L[d][slot].split('.');
      const sidKey = d === 'flask' ? 'jti' : 'sid';
      s.forged[d][slot] = {
        none: sign(c, key, 'none'),
        wrongkey: sign(c, randomKey()),
        hs512: sign(c, key, 'HS512'),
        expired: sign({ ...c, exp: now - 3600, ...('iat' in c && { iat: now - 7200 }), ...('nbf' in c && { nbf: now - 7200 }) }, key),
        tampered: `${plain[0]}.${real.split('.')[1]}.${plain[2]}`,
        forgedsid: sign({ ...c, [sidKey]: `forged-${Date.now()}`, ...('jti' in c && sidKey !== 'jti' && { jti: `forged-${Date.now()}` }) }, key),
      };
    }
  }
  void signRaw;

  // ---- the kinds of credential
  type KindFn = (d: Dialect, slot: Slot) => Value | 'skip';
  const tokenOf = (w: Who, d: Dialect, slot: Slot) => s.tok[w][d][slot];
  const live = (w: Who): KindFn => (d, slot) => ({ value: tokenOf(w, d, slot), principal: { who: w, via: 'token' }, owner: w });
  const dead = (w: Who): KindFn => (d, slot) => ({ value: tokenOf(w, d, slot), principal: null, owner: w });
  const constant = (v: string | null): KindFn => () => ({ value: v, principal: null, owner: 'S' });
  const forged = (f: keyof Set_['forged'][Dialect][Slot]): KindFn => (d, slot) => ({ value: s.forged[d][slot][f], principal: null, owner: 'S' });
  const foreign = (from: Dialect): KindFn => (d, slot) => (from === d ? 'skip' : { value: s.tok.S[from][slot], principal: null, owner: 'S' });
  const key = (k: keyof Set_['keys'], who: Who, perms: string[] | null): KindFn => (d) => ({ value: s.keys[k], principal: d === 'v1auth' && perms ? { who, via: 'key', perms } : null, owner: who });
  const KINDS: [string, KindFn][] = [
    ['none', constant(null)],
    ['garbage', constant('garbage')],
    ['jwt-shaped garbage', constant('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl')],
    ['alg none', forged('none')],
    ['wrong key', forged('wrongkey')],
    ['HS512 (real key)', forged('hs512')],
    ['expired (real key)', forged('expired')],
    ['plain user token + superuser payload', forged('tampered')],
    ['real key, unknown session', forged('forgedsid')],
    ['fastapi token', foreign('fastapi')],
    ['flask token', foreign('flask')],
    ['v1auth token', foreign('v1auth')],
    ['openapi token', foreign('openapi')],
    ['wrong token type (refresh↔access)', (d, slot) => (d === 'v1auth' ? 'skip' : { value: s.tok.S[d][slot === 'access' ? 'refresh' : 'access'], principal: null, owner: 'S' })],
    ['openapi UI token', (d, slot) => ({ value: s.ui, principal: d === 'openapi' && slot === 'access' ? { who: 'S', via: 'ui' } : null, owner: 'S' })],
    ['revoked (password changed elsewhere)', dead('R')],
    ['logged out', (d) => (d === 'v1auth' ? { value: s.extra.loggedOut, principal: null, owner: 'S' } : 'skip')],
    ['refreshed away / spent', (d, slot) => (d === 'v1auth' ? { value: s.extra.v1Old, principal: null, owner: 'S' } : d === 'fastapi' && slot === 'refresh' ? { value: s.extra.faSpent, principal: null, owner: 'S' } : d === 'openapi' && slot === 'refresh' ? { value: s.extra.oaSpent, principal: null, owner: 'S' } : 'skip')],
    ['disabled user', dead('X')],
    ['deleted user', dead('Y')],
    ['disabled+re-enabled user (old token)', dead('E')],
    ['plain user (fastapi 普通用户)', live('L')],
    ['plain user (flask USER)', live('C')],
    ['plain user (v1auth user)', live('O')],
    ['fastapi 管理员 (not superuser)', live('Z')],
    ['v1auth admin role (not superuser)', live('D')],
    ['plain user key (read,write)', key('ops', 'O', ['read', 'write'])],
    ['admin read key', key('read', 'S', ['read'])],
    ['admin full key', key('full', 'S', ['read', 'write', 'admin'])],
    ['disabled key', key('disabled', 'S', null)],
    ['deleted key', key('deleted', 'S', null)],
    ["disabled user's key", key('disabledUser', 'X', null)],
    ['superuser (control)', live('S')],
  ];

  // ---- victims, made on demand and remade when a cell used one up
  type VictimKind = 'user' | 'super' | 'key' | 'role';
  const victims = new Map<VictimKind, { id: string; name: string }>();
  async function victim(k: VictimKind) {
    const have = victims.get(k);
    if (have) return have;
    const name = uniq(`v${k[0]}_`);
    let id: string;
    if (k === 'user') {
      const r = await call(gw, 'v1auth', 'POST', '/api/v1/auth/users', { bearer: seedV1 }, { username: name, email: `${name}@example.com`, password: PW, roles: ['user'] });
      id = json(r)?.data?.id;
    } else if (k === 'super') id = await fastapiCreate(name, true, []);
    else if (k === 'key') id = (await v1Key(gw, seedV1, ['read'], name)).id;
    else {
      const r = await call(gw, 'v1auth', 'POST', '/api/v1/auth/roles', { bearer: seedV1 }, { name, permissions: ['read'] });
      id = json(r)?.data?.id;
    }
    if (!id) throw new Error(`victim ${k} not made`);
    const v = { id, name };
    victims.set(k, v);
    return v;
  }

  // ---- the routes
  type Build = { method: string; path: string; body?: unknown; slotIn: 'header' | 'body' | 'path' | 'query' };
  interface MRoute {
    id: string;
    d: Dialect;
    slot: Slot;
    self?: boolean; // the route spends or changes the caller's own credential
    victim?: VictimKind;
    consumes?: boolean;
    build(v: { id: string; name: string } | undefined, cred: Value): Build;
    allowed(p: Principal | null): boolean;
    ambiguous?(p: Principal | null): boolean;
  }
  const tokenP = (p: Principal | null) => p !== null && p.via !== 'key';
  const isAdmin = (p: Principal | null) => p !== null && (p.via === 'key' ? (p.perms ?? []).includes('admin') : p.who === 'S' || p.who === 'D');
  const who = (...ws: Who[]) => (p: Principal | null) => p !== null && p.via === 'token' && ws.includes(p.who);
  const any = (p: Principal | null) => p !== null;
  const hdr = (method: string, path: string, body?: unknown): Build => ({ method, path, ...(body !== undefined && { body }), slotIn: 'header' });
  const V = '/api/v1/auth';
  const R: MRoute[] = [
    { id: 'fastapi GET /api/v1/base/userinfo', d: 'fastapi', slot: 'access', build: () => hdr('GET', '/api/v1/base/userinfo'), allowed: any },
    { id: 'fastapi GET /api/v1/users/list', d: 'fastapi', slot: 'access', build: () => hdr('GET', '/api/v1/users/list?page=1&page_size=5'), allowed: who('S', 'Z', 'L') },
    { id: 'fastapi GET /api/v1/users/get', d: 'fastapi', slot: 'access', victim: 'user', build: (v) => hdr('GET', `/api/v1/users/get?user_id=${v!.id}`), allowed: who('S', 'Z', 'L') },
    { id: 'fastapi POST /api/v1/users/create (plain)', d: 'fastapi', slot: 'access', build: () => { const n = uniq('fc_'); return hdr('POST', '/api/v1/users/create', { username: n, email: `${n}@example.com`, password: PW, role_ids: [role('user')] }); }, allowed: who('S', 'Z') },
    { id: 'fastapi POST /api/v1/users/create (is_superuser:true)', d: 'fastapi', slot: 'access', build: () => { const n = uniq('fs_'); return hdr('POST', '/api/v1/users/create', { username: n, email: `${n}@example.com`, password: PW, is_superuser: true }); }, allowed: who('S') },
    { id: 'fastapi POST /api/v1/users/create (role_ids: v1auth admin)', d: 'fastapi', slot: 'access', build: () => { const n = uniq('fa_'); return hdr('POST', '/api/v1/users/create', { username: n, email: `${n}@example.com`, password: PW, role_ids: [role('admin')] }); }, allowed: who('S'), ambiguous: (p) => p?.who === 'Z' && p.via === 'token' },
    { id: 'fastapi POST /api/v1/users/update (plain victim)', d: 'fastapi', slot: 'access', victim: 'user', build: (v) => hdr('POST', '/api/v1/users/update', { id: Number(v!.id), username: v!.name, email: `${v!.name}@example.com`, role_ids: [role('user')] }), allowed: who('S', 'Z') },
    { id: 'fastapi POST /api/v1/users/update (rename a superuser)', d: 'fastapi', slot: 'access', victim: 'super', build: (v) => { v!.name = uniq('vr_'); return hdr('POST', '/api/v1/users/update', { id: Number(v!.id), username: v!.name, email: `${v!.id}x@example.com` }); }, allowed: who('S') },
    { id: 'fastapi POST /api/v1/users/update (promote to superuser)', d: 'fastapi', slot: 'access', victim: 'user', build: (v) => hdr('POST', '/api/v1/users/update', { id: Number(v!.id), username: v!.name, email: `${v!.name}@example.com`, is_superuser: true, role_ids: [role('user')] }), allowed: who('S'), consumes: true },
    { id: 'fastapi DELETE /api/v1/users/delete (plain)', d: 'fastapi', slot: 'access', victim: 'user', consumes: true, build: (v) => hdr('DELETE', `/api/v1/users/delete?user_id=${v!.id}`), allowed: who('S', 'Z') },
    { id: 'fastapi DELETE /api/v1/users/delete (superuser)', d: 'fastapi', slot: 'access', victim: 'super', consumes: true, build: (v) => hdr('DELETE', `/api/v1/users/delete?user_id=${v!.id}`), allowed: who('S') },
    { id: 'fastapi POST /api/v1/users/reset_password', d: 'fastapi', slot: 'access', victim: 'user', build: (v) => hdr('POST', '/api/v1/users/reset_password', { user_id: Number(v!.id) }), allowed: who('S', 'Z') },
    { id: 'fastapi POST /api/v1/base/refresh_token', d: 'fastapi', slot: 'refresh', self: true, build: (_v, c) => ({ method: 'POST', path: '/api/v1/base/refresh_token', body: { refresh_token: c.value ?? '' }, slotIn: 'body' }), allowed: any },
    { id: 'flask POST /api/auth/refresh', d: 'flask', slot: 'refresh', build: () => hdr('POST', '/api/auth/refresh'), allowed: any },
    { id: 'flask POST /auth/refresh', d: 'flask', slot: 'refresh', build: () => hdr('POST', '/auth/refresh'), allowed: any },
    { id: 'v1auth GET /users', d: 'v1auth', slot: 'access', build: () => hdr('GET', `${V}/users?page=1&page_size=5`), allowed: isAdmin },
    { id: 'v1auth POST /users (role user, with a password)', d: 'v1auth', slot: 'access', build: () => { const n = uniq('vc.'); return hdr('POST', `${V}/users`, { username: n, email: `${n}@example.com`, password: PW, roles: ['user'] }); }, allowed: (p) => isAdmin(p) && tokenP(p), ambiguous: (p) => isAdmin(p) && p?.via === 'key' },
    { id: 'v1auth POST /users (role admin, with a password)', d: 'v1auth', slot: 'access', build: () => { const n = uniq('va.'); return hdr('POST', `${V}/users`, { username: n, email: `${n}@example.com`, password: PW, roles: ['admin'] }); }, allowed: (p) => isAdmin(p) && tokenP(p), ambiguous: (p) => isAdmin(p) && p?.via === 'key' },
    { id: 'v1auth GET /users/{other}', d: 'v1auth', slot: 'access', victim: 'user', build: (v) => hdr('GET', `${V}/users/${v!.id}`), allowed: isAdmin },
    { id: 'v1auth PUT /users/{other}', d: 'v1auth', slot: 'access', victim: 'user', build: (v) => hdr('PUT', `${V}/users/${v!.id}`, { profile: { position: 'probe' } }), allowed: isAdmin },
    { id: 'v1auth PUT /users/{other} roles:[admin]', d: 'v1auth', slot: 'access', victim: 'user', consumes: true, build: (v) => hdr('PUT', `${V}/users/${v!.id}`, { roles: ['admin'] }), allowed: isAdmin },
    { id: 'v1auth PUT /users/{superuser}', d: 'v1auth', slot: 'access', victim: 'super', build: (v) => hdr('PUT', `${V}/users/${v!.id}`, { profile: { position: 'probe' } }), allowed: who('S') },
    { id: 'v1auth DELETE /users/{other}', d: 'v1auth', slot: 'access', victim: 'user', consumes: true, build: (v) => hdr('DELETE', `${V}/users/${v!.id}`), allowed: isAdmin },
    { id: 'v1auth DELETE /users/{superuser}', d: 'v1auth', slot: 'access', victim: 'super', consumes: true, build: (v) => hdr('DELETE', `${V}/users/${v!.id}`), allowed: who('S') },
    { id: 'v1auth PUT /users/{other}/password', d: 'v1auth', slot: 'access', victim: 'user', build: (v) => hdr('PUT', `${V}/users/${v!.id}/password`, { current_password: PW, new_password: 'Probe-Other9!' }), allowed: () => false },
    { id: 'v1auth PUT /users/{self}/password', d: 'v1auth', slot: 'access', self: true, build: (_v, c) => hdr('PUT', `${V}/users/${s.ids[c.owner] ?? s.ids.S}/password`, { current_password: s.pw[c.owner], new_password: `Probe-Next${counter++}!` }), allowed: tokenP },
    { id: 'v1auth POST /users/{other}/reset-password', d: 'v1auth', slot: 'access', victim: 'user', build: (v) => hdr('POST', `${V}/users/${v!.id}/reset-password`, { send_email: false }), allowed: (p) => isAdmin(p) && tokenP(p) },
    { id: 'v1auth POST /users/{superuser}/reset-password', d: 'v1auth', slot: 'access', victim: 'super', build: (v) => hdr('POST', `${V}/users/${v!.id}/reset-password`, { send_email: false }), allowed: who('S') },
    { id: 'v1auth GET /roles', d: 'v1auth', slot: 'access', build: () => hdr('GET', `${V}/roles`), allowed: isAdmin },
    { id: 'v1auth POST /roles', d: 'v1auth', slot: 'access', build: () => hdr('POST', `${V}/roles`, { name: uniq('r'), permissions: ['read'] }), allowed: isAdmin },
    { id: 'v1auth GET /roles/{id}', d: 'v1auth', slot: 'access', victim: 'role', build: (v) => hdr('GET', `${V}/roles/${v!.id}`), allowed: isAdmin },
    { id: 'v1auth PUT /roles/{id}', d: 'v1auth', slot: 'access', victim: 'role', build: (v) => hdr('PUT', `${V}/roles/${v!.id}`, { description: 'probe' }), allowed: isAdmin },
    { id: 'v1auth PUT /roles/{id} permissions:[admin]', d: 'v1auth', slot: 'access', victim: 'role', build: (v) => hdr('PUT', `${V}/roles/${v!.id}`, { permissions: ['admin'] }), allowed: isAdmin },
    { id: 'v1auth DELETE /roles/{id}', d: 'v1auth', slot: 'access', victim: 'role', consumes: true, build: (v) => hdr('DELETE', `${V}/roles/${v!.id}`), allowed: isAdmin },
    { id: 'v1auth GET /roles/{id}/users', d: 'v1auth', slot: 'access', victim: 'role', build: (v) => hdr('GET', `${V}/roles/${v!.id}/users`), allowed: isAdmin },
    { id: 'v1auth GET /permissions', d: 'v1auth', slot: 'access', build: () => hdr('GET', `${V}/permissions`), allowed: isAdmin },
    { id: 'v1auth POST /permissions', d: 'v1auth', slot: 'access', build: () => hdr('POST', `${V}/permissions`, { name: uniq('p') }), allowed: isAdmin },
    { id: 'v1auth GET /api-keys', d: 'v1auth', slot: 'access', build: () => hdr('GET', `${V}/api-keys`), allowed: any },
    { id: 'v1auth POST /api-keys [read]', d: 'v1auth', slot: 'access', build: () => hdr('POST', `${V}/api-keys`, { name: uniq('k'), permissions: ['read'] }), allowed: who('S', 'D', 'O') },
    { id: 'v1auth POST /api-keys [admin]', d: 'v1auth', slot: 'access', build: () => hdr('POST', `${V}/api-keys`, { name: uniq('k'), permissions: ['admin'] }), allowed: who('S', 'D') },
    { id: "v1auth POST /api-keys/{admin's}/disable", d: 'v1auth', slot: 'access', victim: 'key', build: (v) => hdr('POST', `${V}/api-keys/${v!.id}/disable`), allowed: isAdmin },
    { id: "v1auth POST /api-keys/{admin's}/enable", d: 'v1auth', slot: 'access', victim: 'key', build: (v) => hdr('POST', `${V}/api-keys/${v!.id}/enable`), allowed: (p) => isAdmin(p) && tokenP(p) },
    { id: "v1auth GET /api-keys/{admin's}/stats", d: 'v1auth', slot: 'access', victim: 'key', build: (v) => hdr('GET', `${V}/api-keys/${v!.id}/stats`), allowed: isAdmin },
    { id: "v1auth DELETE /api-keys/{admin's}", d: 'v1auth', slot: 'access', victim: 'key', consumes: true, build: (v) => hdr('DELETE', `${V}/api-keys/${v!.id}`), allowed: (p) => isAdmin(p) && tokenP(p) },
    { id: 'v1auth POST /refresh', d: 'v1auth', slot: 'access', self: true, build: (_v, c) => hdr('POST', `${V}/refresh`, { token: c.value ?? 'none' }), allowed: tokenP },
    { id: 'v1auth POST /logout', d: 'v1auth', slot: 'access', self: true, build: () => hdr('POST', `${V}/logout`), allowed: tokenP },
    { id: 'openapi PUT /api/v1/auth/password (x-token header)', d: 'openapi', slot: 'access', self: true, build: (_v, c) => hdr('PUT', '/api/v1/auth/password', { currentPassword: s.pw[c.owner], newPassword: s.pw[c.owner] }), allowed: any },
    { id: 'openapi PUT /api/v1/auth/password (?x-token=)', d: 'openapi', slot: 'access', self: true, build: (_v, c) => ({ method: 'PUT', path: `/api/v1/auth/password?x-token=${encodeURIComponent(c.value ?? '')}`, body: { currentPassword: s.pw[c.owner], newPassword: s.pw[c.owner] }, slotIn: 'query' }), allowed: any },
    { id: 'openapi POST /v1.0/openapi/token/{refresh}', d: 'openapi', slot: 'refresh', self: true, build: (_v, c) => ({ method: 'POST', path: `/v1.0/openapi/token/${encodeURIComponent(c.value ?? '')}`, slotIn: 'path' }), allowed: any },
  ];

  const granted = (route: MRoute, r: Res): { granted: boolean; passed: boolean; code?: unknown } => {
    const j = json(r);
    if (route.d === 'fastapi') return { granted: r.status === 200, passed: r.status !== 401 && r.status !== 403, code: j?.msg };
    if (route.d === 'flask') return { granted: r.status === 200 && j?.code === 0, passed: r.status === 200, code: j?.msg };
    if (route.d === 'v1auth') return { granted: r.status === 200, passed: r.status !== 401 && r.status !== 403, code: j?.message };
    if (route.id.includes('/token/')) return { granted: j?.code === 0, passed: j?.code === 0, code: j?.code };
    return { granted: j?.errorCode === 0, passed: j !== undefined && j.errorCode !== 10006, code: j?.errorCode };
  };

  async function freshValue(kind: string, d: Dialect, slot: Slot, v: Value): Promise<Value> {
    const p = v.principal;
    if (!p || p.via === 'key') return v;
    if (p.via === 'ui') return { ...v, value: await openapiUiLogin(gw, s.names.S, s.pw.S) };
    const w = p.who;
    const t =
      d === 'fastapi' ? await fastapiLogin(gw, s.names[w], s.pw[w]) : d === 'flask' ? await flaskLogin(gw, s.names[w], s.pw[w]) : d === 'openapi' ? await openapiLogin(gw, s.names[w], s.pw[w]) : await v1Login(gw, s.names[w], s.pw[w]).then((x) => ({ access: x, refresh: x }));
    void kind;
    return { ...v, value: t[slot] };
  }

  const cells: Cell[] = [];
  for (const route of R) {
    for (const [kind, fn] of KINDS) {
      let v = fn(route.d, route.slot);
      if (v === 'skip') continue;
      if (route.self) v = await freshValue(kind, route.d, route.slot, v);
      const vic = route.victim ? await victim(route.victim) : undefined;
      const b = route.build(vic, v);
      const headers: Record<string, string> = { ...(b.body !== undefined && JSON_CT) };
      if (b.slotIn === 'header' && v.value !== null) {
        if (route.d === 'openapi') headers['x-token'] = v.value;
        else if (route.d === 'v1auth' && v.value.startsWith('ak_')) headers['x-api-key'] = v.value;
        else headers.authorization = `Bearer ${v.value}`;
      }
      const res = await gw.send(route.d, { method: b.method, path: b.path, headers, ...(b.body !== undefined && { body: JSON.stringify(b.body) }) });
      const g = granted(route, res);
      const allowed = route.allowed(v.principal);
      const ambiguous = route.ambiguous?.(v.principal) ?? false;
      cells.push({ route: route.id, kind, status: res.status, code: g.code, granted: g.granted, passed: g.passed, allowed, ambiguous });
      if (g.granted && route.consumes && route.victim) victims.delete(route.victim);
      if (g.granted && route.id === 'v1auth PUT /users/{self}/password') s.pw[v.owner] = (b.body as { new_password: string }).new_password;
    }
    if (route.self) await relogLegit();
  }
  const wronglyGranted = cells.filter((c) => !c.allowed && c.granted && !c.ambiguous);
  const ambiguousGranted = cells.filter((c) => c.ambiguous && c.granted);
  const wronglyPassedGuard = cells.filter((c) => !c.allowed && !c.granted && c.passed && !c.ambiguous);
  const legitRefused = cells.filter((c) => c.allowed && !c.granted && !c.ambiguous);
  log(`  authz: ${cells.length} cells over ${R.length} routes × ${KINDS.length} kinds in ${Math.round((performance.now() - t0) / 1000)} s`);
  void DESCRIBE;
  return { routes: R.length, kinds: KINDS.length, cells, wronglyGranted, ambiguousGranted, wronglyPassedGuard, legitRefused, seconds: Math.round((performance.now() - t0) / 1000) };
}
