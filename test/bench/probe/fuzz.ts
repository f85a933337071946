// Phase 1: every route of the four dialects, with mutated bodies, odd content types and headers, broken and
// foreign tokens, over real ports; then a few thousand odd HTTP messages over raw sockets. Every 5xx (and every
// openapi `code: 500`, which that dialect answers with HTTP 200) is kept with the request that caused it.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, DEV, fastapiLogin, flaskLogin, openapiLogin, openapiUiLogin, roleIds, userIds, v1Key, v1Login } from './doors.ts';
import { classifyBody500, classifyRefresh500, type Verdict } from './flask-legacy.ts';
import { claimsOf, HS256_HEADER, json, openapiKey, pool, preview, randomKey, rng, sendRaw, sign, signRaw, type ChildGateway, type Dialect, type Res, type Rng } from './lib.ts';

type Auth = 'fastapi-bearer' | 'fastapi-body-refresh' | 'flask-refresh' | 'v1' | 'v1-sacrificial' | 'xtoken' | 'openapi-path-refresh';

interface Route {
  d: Dialect;
  method: string;
  path: string; // template; :id is drawn from a pool
  pool?: 'user' | 'role' | 'key' | 'self';
  query?: Record<string, string>;
  body?: (r: Rng) => Record<string, unknown>;
  auth?: Auth;
  unknown?: boolean; // not a route: the dialect's 404/405/1108 handling
}

const uniq = (r: Rng, p: string) => `${p}${r.int(0, 1e9).toString(36)}`;
const V = '/api/v1/auth';

/** Every route of dialects/<name>/index.ts and routes/*.ts, plus each flask route under both prefixes. */
export function routes(): Route[] {
  const login = (r: Rng) => ({ username: r.pick(['admin', 'zhangsan', 'licheng.zhou9', 'nobody', 'opsuser']), password: r.pick(['password123', 'wrong-Pass1', 'x']) });
  const list: Route[] = [
    // fastapi
    { d: 'fastapi', method: 'POST', path: '/api/v1/base/access_token', body: login },
    { d: 'fastapi', method: 'POST', path: '/api/v1/base/refresh_token', auth: 'fastapi-body-refresh', body: () => ({ refresh_token: '' }) },
    { d: 'fastapi', method: 'GET', path: '/api/v1/base/userinfo', auth: 'fastapi-bearer' },
    { d: 'fastapi', method: 'GET', path: '/api/v1/base/health' },
    { d: 'fastapi', method: 'GET', path: '/api/v1/base/version' },
    { d: 'fastapi', method: 'GET', path: '/api/v1/users/list', auth: 'fastapi-bearer', query: { page: '1', page_size: '10', username: 'a', email: 'e', dept_id: '1' } },
    { d: 'fastapi', method: 'GET', path: '/api/v1/users/get', auth: 'fastapi-bearer', query: { user_id: '@user' } },
    {
      d: 'fastapi', method: 'POST', path: '/api/v1/users/create', auth: 'fastapi-bearer',
      body: (r) => ({ email: `${uniq(r, 'f')}@example.com`, username: uniq(r, 'fz_'), password: 'fuzzpass123', is_active: true, is_superuser: r.chance(0.2), role_ids: [1], dept_id: 0 }),
    },
    {
      d: 'fastapi', method: 'POST', path: '/api/v1/users/update', auth: 'fastapi-bearer',
      body: (r) => ({ id: '@user', email: `${uniq(r, 'u')}@example.com`, username: uniq(r, 'fu_'), is_active: true, is_superuser: false, role_ids: [2], dept_id: 1 }),
    },
    { d: 'fastapi', method: 'DELETE', path: '/api/v1/users/delete', auth: 'fastapi-bearer', query: { user_id: '@user' } },
    { d: 'fastapi', method: 'POST', path: '/api/v1/users/reset_password', auth: 'fastapi-bearer', body: () => ({ user_id: '@user' }) },
    { d: 'fastapi', method: 'GET', path: '/docs', unknown: true },
    { d: 'fastapi', method: 'GET', path: '/api/v1/base/metrics', unknown: true },
    // flask
    ...['/api/auth', '/auth'].flatMap((p): Route[] => [
      { d: 'flask', method: 'POST', path: `${p}/login`, body: (r) => ({ username: r.pick(['licheng.zhou9', 'admin', 'nobody']), password: r.pick(['Zhougezuishuai22', 'password123', 'bad']) }) },
      { d: 'flask', method: 'POST', path: `${p}/register`, body: (r) => ({ username: uniq(r, 'fl'), password: 'Zhougezuishuai22', email: `${uniq(r, 'r')}@cat1hay.fr` }) },
      { d: 'flask', method: 'POST', path: `${p}/refresh`, auth: 'flask-refresh' },
    ]),
    { d: 'flask', method: 'GET', path: '/', unknown: true },
    { d: 'flask', method: 'POST', path: '/api/auth/logout', unknown: true },
    // v1auth
    { d: 'v1auth', method: 'POST', path: `${V}/login`, body: (r) => ({ username: r.pick(['admin', 'opsuser', 'nobody']), password: r.pick(['password123', 'Ops12345!', 'nope']), remember_me: r.chance(0.5) }) },
    { d: 'v1auth', method: 'POST', path: `${V}/refresh`, auth: 'v1-sacrificial', body: () => ({ token: '@self' }) },
    { d: 'v1auth', method: 'POST', path: `${V}/logout`, auth: 'v1-sacrificial' },
    { d: 'v1auth', method: 'GET', path: `${V}/users`, auth: 'v1', query: { page: '1', page_size: '20', username: 'a', email: 'e', status: 'active' } },
    { d: 'v1auth', method: 'POST', path: `${V}/users`, auth: 'v1', body: (r) => ({ username: uniq(r, 'vz.'), email: `${uniq(r, 'v')}@example.com`, password: 'Fuzz-Pass1', roles: ['user'], profile: { real_name: 'x', phone: '1', department: r.pick(['研发部', uniq(r, 'dept')]), position: 'p' } }) },
    { d: 'v1auth', method: 'GET', path: `${V}/users/:id`, auth: 'v1', pool: 'user' },
    { d: 'v1auth', method: 'PUT', path: `${V}/users/:id`, auth: 'v1', pool: 'user', body: (r) => ({ email: `${uniq(r, 'p')}@example.com`, roles: ['user'], status: r.pick(['active', 'inactive', 'locked']), profile: { position: 'q' } }) },
    { d: 'v1auth', method: 'DELETE', path: `${V}/users/:id`, auth: 'v1', pool: 'user' },
    { d: 'v1auth', method: 'PUT', path: `${V}/users/:id/password`, auth: 'v1', pool: 'self', body: () => ({ current_password: 'Wrong-Guess1', new_password: 'Next-Pass1!' }) },
    { d: 'v1auth', method: 'POST', path: `${V}/users/:id/reset-password`, auth: 'v1', pool: 'user', body: (r) => ({ send_email: r.chance(0.5) }) },
    { d: 'v1auth', method: 'GET', path: `${V}/roles`, auth: 'v1', query: { page: '1', page_size: '20', name: 'a' } },
    { d: 'v1auth', method: 'POST', path: `${V}/roles`, auth: 'v1', body: (r) => ({ name: uniq(r, 'role'), description: 'd', permissions: ['read'] }) },
    { d: 'v1auth', method: 'GET', path: `${V}/roles/:id`, auth: 'v1', pool: 'role' },
    { d: 'v1auth', method: 'PUT', path: `${V}/roles/:id`, auth: 'v1', pool: 'role', body: (r) => ({ name: uniq(r, 'rn'), description: null, permissions: ['read', 'write'] }) },
    { d: 'v1auth', method: 'DELETE', path: `${V}/roles/:id`, auth: 'v1', pool: 'role' },
    { d: 'v1auth', method: 'GET', path: `${V}/roles/:id/users`, auth: 'v1', pool: 'role', query: { page: '1', page_size: '20' } },
    { d: 'v1auth', method: 'GET', path: `${V}/permissions`, auth: 'v1', query: { page: '1', page_size: '20', name: 'r', category: 'general' } },
    { d: 'v1auth', method: 'POST', path: `${V}/permissions`, auth: 'v1', body: (r) => ({ name: uniq(r, 'perm'), category: 'general', description: 'd' }) },
    { d: 'v1auth', method: 'GET', path: `${V}/api-keys`, auth: 'v1', query: { page: '1', page_size: '20', name: 'k', status: 'active' } },
    { d: 'v1auth', method: 'POST', path: `${V}/api-keys`, auth: 'v1', body: (r) => ({ name: uniq(r, 'key'), description: 'd', permissions: ['read'], expires_in_days: r.pick([1, 30, 3650]) }) },
    { d: 'v1auth', method: 'POST', path: `${V}/api-keys/:id/disable`, auth: 'v1', pool: 'key' },
    { d: 'v1auth', method: 'POST', path: `${V}/api-keys/:id/enable`, auth: 'v1', pool: 'key' },
    { d: 'v1auth', method: 'DELETE', path: `${V}/api-keys/:id`, auth: 'v1', pool: 'key' },
    { d: 'v1auth', method: 'GET', path: `${V}/api-keys/:id/stats`, auth: 'v1', pool: 'key', query: { time_range: '7d' } },
    { d: 'v1auth', method: 'GET', path: `${V}/nothing`, unknown: true },
    // openapi
    { d: 'openapi', method: 'POST', path: '/v1.0/openapi/auth/login', body: (r) => ({ username: r.pick(['admin', 'nobody']), password: r.pick(['password123', 'x']) }) },
    { d: 'openapi', method: 'POST', path: '/v1.0/openapi/token/:id', auth: 'openapi-path-refresh' },
    { d: 'openapi', method: 'GET', path: '/api/v1/auth/initInfo' },
    { d: 'openapi', method: 'POST', path: '/api/v1/auth/init-password', body: () => ({ newPassword: 'Take-Over1' }) },
    { d: 'openapi', method: 'POST', path: '/api/v1/auth/login', body: (r) => ({ username: r.pick(['admin', 'nobody']), password: r.pick(['password123', 'x']) }) },
    { d: 'openapi', method: 'PUT', path: '/api/v1/auth/password', auth: 'xtoken', body: () => ({ currentPassword: 'Wrong-Guess1', newPassword: 'Next-Pass1' }) },
    { d: 'openapi', method: 'GET', path: '/v1.0/openapi/product/list', unknown: true },
  ];
  return list;
}

// ---------------------------------------------------------------------------------------------------------------
// Mutation material

const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
const objNest = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const HUGE = 'A'.repeat(125_000);
const JUNK: string[] = [
  'null', 'true', 'false', '0', '-0', '1', '-1', '1.5', '0.0', '1e400', '-1e400', 'NaN', 'Infinity', '-Infinity',
  '123456789012345678901234567890', '9007199254740993', '1'.repeat(5000), '""', '" "', '"\\u0000"', '"\\ud800"', '"a\\udc00b"',
  '"\\ud83d\\ude00"', '"😀中文"', '"\u202eevil"', '"\u200b"', '"<script>alert(1)</script>"', `"' OR 1=1 --"`, '"%"', '"_"', '"admin"',
  '"ADMIN"', '"admin "', '"аdmin"', '"../../etc/passwd"', '"a\\nb"', '"\\t"', '[]', '{}', '[1,2,3]', '["read","admin"]', '{"a":1}', '[{"$gt":""}]',
  '{"$ne":null}', '{"__proto__":{"isSuperuser":true}}', `"${HUGE}"`, `"${'中'.repeat(125_000)}"`, `"${'\\u4e2d'.repeat(125_000)}"`, `"${'é'.repeat(60_000)}"`,
  nest(10), nest(100), nest(989), nest(990), nest(1000), nest(5000), nest(100_000), objNest(995), objNest(3000),
  '[' + Array(20_000).fill('1').join(',') + ']', '"2026-13-45"', '"active"', '"locked"', '["admin"]', '[null]', '[1.5]', '["a","a"]', '"ak_"', '99999999999999999999',
];
const BROKEN_JUNK = ['"\\x"', '01', '.5', '+1', '0x10', "'single'", 'undefined', 'tru', '1e', '"unterminated', '[1,]', '{,}', '"\u0001"'];
const STRINGS = ['admin', 'root', 'nobody', 'licheng.zhou9', 'opsuser', '', ' ', 'a', 'x'.repeat(300), HUGE, '中文用户', '😀', '\u0000', 'admin\u0000', '\ud800', "' OR '1'='1", '%_%', 'Robert");DROP TABLE users;--', '<img src=x onerror=alert(1)>', 'a@b', 'user@example.com', 'UPPER@EXAMPLE.COM', '${7*7}', '{{7*7}}'];
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'is_superuser', 'isSuperuser', 'role', 'roles', 'user_id', 'admin', 'permissions', 'status', 'faceInfo', 'contact_info', 'USERNAME', 'Password', '', '中', 'toString'];

const CONTENT_TYPES: (string | undefined)[] = [
  undefined, 'text/plain', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz',
  'APPLICATION/JSON', 'application/json; charset=utf-16', 'application/vnd.api+json', 'application/json;;;', '*/*', '', 'text/html',
  'application/problem+json', `application/json; x=${'a'.repeat(2000)}`, 'application/jsonx', 'application/json ', ' application/json', 'application/xml', 'json',
];

const ODD_HEADERS: [string, string | string[]][] = [
  ['x-request-id', 'A'.repeat(300)], ['x-request-id', ''], ['x-request-id', 'é\u00ff'], ['x-correlation-id', 'B'.repeat(300)], ['x-correlation-id', 'c-1'],
  ['origin', 'http://evil.example'], ['origin', 'null'], ['origin', 'http://localhost:3000'], ['access-control-request-method', 'DELETE'],
  ['access-control-request-headers', 'X-A, Authorization,, x-b'], ['accept-language', 'en-US,en;q=0.9'], ['accept-language', 'zh;q=0, en;q=NaN'],
  ['accept-language', 'x'.repeat(3000)], ['accept-language', '*;q=1e400'], ['accept-language', ',,;q=,'], ['x-forwarded-for', '1.2.3.4, 5.6.7.8'], ['x-forwarded-for', 'garbage'],
  ['accept', 'text/html'], ['cookie', `session=${'a'.repeat(2000)}`], ['content-encoding', 'gzip'], ['x-http-method-override', 'DELETE'], ['x-original-url', '/api/v1/auth/users'],
  ['host', 'evil.example'], ['connection', 'close'], ['range', 'bytes=0-1'], ['if-none-match', '*'], ['te', 'trailers'], ['x-token', 'junk'], ['x-api-key', 'ak_junk'],
  ['x-api-key', ' '], ['authorization', ['Bearer a', 'Bearer b']], ['user-agent', ''], ['referer', 'javascript:alert(1)'], ['forwarded', 'for=1.1.1.1'], ['expect', '100-continue'],
  ['x-forwarded-host', 'evil'], ['content-language', 'zh'], ['accept-encoding', 'gzip, br'], ['authorization', 'Basic YWRtaW46cGFzc3dvcmQxMjM='], ['x-real-ip', '10.0.0.1'],
];

const PATH_JUNK = ['0', '-1', 'abc', '1.5', '1e3', '99999999999999999999', '%00', '%E4%B8%AD', '%zz', '%', "'OR'1'='1", '..', 'A'.repeat(2000), '00000000000000000009', '%205', '9'.repeat(15), '9'.repeat(16), '%2F', '%ED%A0%80'];
const QUERY_JUNK = ['', '-1', '0', '1', '1e3', '1.5', '%201%20', '%2B1', '0x10', '99999999999999999999', 'abc', 'true', '%00', '%ff', '%E4%B8%AD', '%', 'A'.repeat(5000), '1%20OR%201=1', '[]', 'null', 'NaN', 'Infinity', '-0', '%EF%BC%91', '%F0%9F%98%80', '%ED%A0%80', '7d', '0d', '91d', '1h', '999999999999d', 'inactive', 'locked', 'expired'];

export interface FuzzCtx {
  fa: { admin: string; zhang: string; lisi: string; refresh: string[] };
  fl: { adminAccess: string; adminRefresh: string; lichRefresh: string };
  v1: { admin: string; ops: string; adminKey: string; opsKey: string; readKey: string; sacrificial: string[]; adminId: string; opsId: string };
  oa: { access: string; ui: string; refresh: string[] };
  pools: { user: string[]; role: string[]; key: string[] };
  principalIds: Set<number>;
  broken: Record<Dialect, string[]>;
}

/** Tokens with the dialect's real key but every odd claim, plus forged, foreign and mangled ones. */
function brokenTokens(d: Dialect, key: Buffer, real: string, foreign: string[]): string[] {
  const claims = claimsOf(real);
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [
    sign(claims, key, 'none'), sign(claims, key, 'HS512'), sign(claims, randomKey()), signRaw('{"alg":"hs256","typ":"JWT"}', JSON.stringify(claims), key),
    signRaw('{"alg":"HS256","kid":1}', JSON.stringify(claims), key), signRaw('[]', JSON.stringify(claims), key), signRaw('not json', JSON.stringify(claims), key),
    sign({ ...claims, exp: now - 100 }, key), sign({ ...claims, nbf: now + 3600 }, key), sign({ ...claims, iat: now + 3600 }, key),
    signRaw(HS256_HEADER, '[]', key), signRaw(HS256_HEADER, '1', key), signRaw(HS256_HEADER, '"x"', key), signRaw(HS256_HEADER, 'null', key), signRaw(HS256_HEADER, '{"a":', key),
    signRaw(HS256_HEADER, JSON.stringify(claims).replace(/}$/, ',"x":NaN}'), key), signRaw(HS256_HEADER, JSON.stringify(claims).replace(/}$/, ',"x":"\\ud800"}'), key),
    signRaw(HS256_HEADER, '\ufeff' + JSON.stringify(claims), key), signRaw(HS256_HEADER, JSON.stringify(claims).replace(/^{/, `{"sub":1,"user_id":"1","ID":"1",`), key),
    signRaw(HS256_HEADER, JSON.stringify(claims).replace(/}$/, `,"deep":${nest(995)}}`), key), signRaw(HS256_HEADER, JSON.stringify(claims).replace(/}$/, `,"deep":${nest(5000)}}`), key),
    signRaw(nest(995), JSON.stringify(claims), key), real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A'), real.slice(0, -10), `${real}.`, `${real}==`, real.replace('.', ' .'),
    real.split('.').slice(0, 2).join('.'), `${real}.${real}`, ...foreign,
    '', 'x', 'null', 'eyJ', '...', 'a.b', 'a.b.c', 'a.b.c.d', 'eyJhbGciOiJIUzI1NiJ9..', 'A'.repeat(8000), 'ak_', `ak_${'0'.repeat(40)}`, 'tok\u00e9n', '\t',
  ];
  for (const [k] of Object.entries(claims)) {
    for (const raw of ['null', '1.5', '"1"', '[]', '{}', 'true', '1e400', '-1', '99999999999999999999', `"${'z'.repeat(3000)}"`, '"\\u0000"', '0']) {
      const text = JSON.stringify(claims).replace(new RegExp(`"${k}":(?:"[^"]*"|[^,}]*)`), `"${k}":${raw}`);
      out.push(signRaw(HS256_HEADER, text, key));
    }
  }
  void d;
  return out;
}

export async function setupFuzz(gw: ChildGateway): Promise<FuzzCtx> {
  const secrets = gw.secrets();
  const fa = await fastapiLogin(gw, 'admin', DEV.admin);
  const fl = await flaskLogin(gw, 'admin', DEV.admin);
  const lich = await flaskLogin(gw, 'licheng.zhou9', DEV['licheng.zhou9']);
  const v1 = await v1Login(gw, 'admin', DEV.admin);
  const ops = await v1Login(gw, 'opsuser', DEV.opsuser);
  const oa = await openapiLogin(gw, 'admin', DEV.admin);
  const ui = await openapiUiLogin(gw, 'admin', DEV.admin);
  const ids = await userIds(gw, v1);
  const roles = await roleIds(gw, v1);
  const adminKey = await v1Key(gw, v1, ['read', 'write', 'admin'], 'fuzz-admin');
  const readKey = await v1Key(gw, v1, ['read'], 'fuzz-read');
  const opsKey = await v1Key(gw, ops, ['read', 'write'], 'fuzz-ops');
  const victimKeys = [];
  for (let i = 0; i < 6; i++) victimKeys.push((await v1Key(gw, v1, ['read'], `victim${i}`)).id);
  const sac = { fa: [] as string[], oa: [] as string[], v1: [] as string[] };
  for (let i = 0; i < 25; i++) {
    sac.fa.push((await fastapiLogin(gw, 'engineer1', DEV.engineer1)).refresh);
    sac.oa.push((await openapiLogin(gw, 'engineer1', DEV.engineer1)).refresh);
    sac.v1.push(await v1Login(gw, 'engineer1', DEV.engineer1));
  }
  const principals = new Set(['admin', 'zhangsan', 'lisi', 'opsuser', 'engineer1'].map((u) => ids.get(u)!));
  const userPool = [...ids.values(), ...Array.from({ length: 40 }, (_, i) => String(ids.size + 1 + i))].filter((id) => !principals.has(id));
  const foreign = {
    fastapi: [fa.access, fa.refresh],
    flask: [fl.access, fl.refresh],
    v1auth: [v1],
    openapi: [oa.access, oa.refresh, ui],
  };
  const others = (d: Dialect) => Object.entries(foreign).filter(([k]) => k !== d).flatMap(([, v]) => v);
  // The broken pool is derived from decoy sessions: a token with the real key and valid claims plus odd extra
  // ones is a valid token (extra claims are allowed), and a logout or refresh with it must not end the run's own.
  const decoy = {
    fastapi: await fastapiLogin(gw, 'admin', DEV.admin),
    flask: await flaskLogin(gw, 'admin', DEV.admin),
    v1auth: await v1Login(gw, 'admin', DEV.admin),
    openapi: await openapiLogin(gw, 'admin', DEV.admin),
  };
  const oaSecret = secrets.openapi;
  return {
    fa: { admin: fa.access, zhang: (await fastapiLogin(gw, 'zhangsan', DEV.zhangsan)).access, lisi: (await fastapiLogin(gw, 'lisi', DEV.lisi)).access, refresh: sac.fa },
    fl: { adminAccess: fl.access, adminRefresh: fl.refresh, lichRefresh: lich.refresh },
    v1: { admin: v1, ops, adminKey: adminKey.key, opsKey: opsKey.key, readKey: readKey.key, sacrificial: sac.v1, adminId: ids.get('admin')!, opsId: ids.get('opsuser')! },
    oa: { access: oa.access, ui, refresh: sac.oa },
    pools: { user: userPool, role: [...roles.values(), '999', '0'], key: [...victimKeys, '999', '0'] },
    principalIds: new Set([...principals].map(Number)),
    broken: {
      fastapi: [...brokenTokens('fastapi', secrets.fastapi, decoy.fastapi.access, others('fastapi')), ...brokenTokens('fastapi', secrets.fastapi, decoy.fastapi.refresh, []).slice(0, 30), decoy.fastapi.refresh],
      flask: [...brokenTokens('flask', secrets.flask, decoy.flask.refresh, others('flask')), decoy.flask.access],
      v1auth: [...brokenTokens('v1auth', secrets.v1auth, decoy.v1auth, others('v1auth')), ops.slice(0, -2)],
      openapi: [...brokenTokens('openapi', openapiKey(oaSecret, 'access'), decoy.openapi.access, others('openapi')), ...brokenTokens('openapi', openapiKey(oaSecret, 'refresh'), decoy.openapi.refresh, []).slice(0, 30)],
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One request

export interface FuzzReq {
  n: number;
  d: Dialect;
  route: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  chunked?: boolean;
  notes: string[];
}

function serialize(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

function utf16(s: string, le: boolean, bom: boolean): Buffer {
  const b = Buffer.from(s, 'utf16le');
  if (!le) b.swap16();
  return bom ? Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), b]) : b;
}
function utf32le(s: string): Buffer {
  const cps = [...s].map((c) => c.codePointAt(0)!);
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => b.writeUInt32LE(cp, i * 4));
  return b;
}

/** A template body, mutated; returns the bytes and what was done. */
function mutateBody(r: Rng, template: Record<string, unknown>, notes: string[]): Buffer {
  const entries: [string, string][] = Object.entries(template).map(([k, v]) => [k, JSON.stringify(v)]);
  const x = r.next();
  if (x < 0.12) {
    notes.push('valid template');
    return Buffer.from(serialize(entries));
  }
  if (x < 0.5) {
    for (let m = r.int(1, 3); m > 0; m--) {
      const op = r.int(0, 5);
      const i = entries.length ? r.int(0, entries.length - 1) : -1;
      if (op === 0 && i >= 0) {
        notes.push(`drop ${entries[i]![0]}`);
        entries.splice(i, 1);
      } else if (op === 1 && i >= 0) {
        const v = r.pick(JUNK);
        notes.push(`${entries[i]![0]}=${v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v}`);
        entries[i]![1] = v;
      } else if (op === 2 && i >= 0) {
        const v = JSON.stringify(r.pick(STRINGS));
        notes.push(`${entries[i]![0]}=str ${v.slice(0, 30)}`);
        entries[i]![1] = v;
      } else if (op === 3) {
        const k = r.pick(EXTRA_KEYS);
        const v = r.chance(0.5) ? r.pick(JUNK.slice(0, 40)) : 'true';
        notes.push(`+${k}=${v.slice(0, 30)}`);
        entries.push([k, v]);
      } else if (op === 4 && i >= 0) {
        const v = r.pick(JUNK.slice(0, 45));
        notes.push(`duplicate ${entries[i]![0]} (then ${v.slice(0, 20)})`);
        entries.push([entries[i]![0], v]);
      } else if (op === 5 && i >= 0) {
        const v = r.pick(BROKEN_JUNK);
        notes.push(`${entries[i]![0]}=broken ${v}`);
        entries[i]![1] = v;
      }
    }
    return Buffer.from(serialize(entries));
  }
  if (x < 0.6) {
    // byte-level: a lone surrogate as raw UTF-8 (CESU), invalid UTF-8, latin-1, NUL, inside the first string value
    const text = serialize(entries);
    const at = text.indexOf(':"');
    const bytes = r.pick([[0xed, 0xa0, 0x80], [0xff], [0xe9], [0x00], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe4, 0xb8], [0xef, 0xbf, 0xbf]]);
    notes.push(`raw bytes ${Buffer.from(bytes).toString('hex')} in a string`);
    if (at < 0) return Buffer.concat([Buffer.from(text), Buffer.from(bytes)]);
    return Buffer.concat([Buffer.from(text.slice(0, at + 2)), Buffer.from(bytes), Buffer.from(text.slice(at + 2))]);
  }
  if (x < 0.85) {
    const t = serialize(entries);
    const whole: [string, () => Buffer][] = [
      ['empty', () => Buffer.alloc(0)], ['space', () => Buffer.from(' ')], ['null', () => Buffer.from('null')], ['[]', () => Buffer.from('[]')], ['{}', () => Buffer.from('{}')],
      ['""', () => Buffer.from('""')], ['"s"', () => Buffer.from('"s"')], ['0', () => Buffer.from('0')], ['1', () => Buffer.from('1')], ['true', () => Buffer.from('true')],
      ['[1]', () => Buffer.from('[1]')], ['[template]', () => Buffer.from(`[${t}]`)], ['{', () => Buffer.from('{')], ['truncated', () => Buffer.from(t.slice(0, Math.max(1, t.length - 3)))],
      ['trailing comma', () => Buffer.from(t.replace(/}$/, ',}'))], ['single quotes', () => Buffer.from(t.replace(/"/g, "'"))], ['trailing garbage', () => Buffer.from(`${t} x`)],
      ['two documents', () => Buffer.from(`${t}${t}`)], ['BOM', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])], ['utf-16le+BOM', () => utf16(t, true, true)],
      ['utf-16be', () => utf16(t, false, false)], ['utf-16le', () => utf16(t, true, false)], ['utf-32le', () => utf32le(t)], ['invalid utf-8', () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
      ['NaN', () => Buffer.from('NaN')], ['-Infinity', () => Buffer.from('-Infinity')], ['nest 990', () => Buffer.from(nest(990))], ['nest 989', () => Buffer.from(nest(989))],
      ['nest 50000', () => Buffer.from(nest(50_000))], ['object nest 1200', () => Buffer.from(objNest(1200))], ['1.1 MiB', () => Buffer.from(t.replace(/^{/, `{${' '.repeat(1_150_000)}`))],
      ['form', () => Buffer.from('username=admin&password=password123')], ['multipart', () => Buffer.from('--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--xyz--\r\n')],
      ['xml', () => Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')], ['5000-digit int', () => Buffer.from('1'.repeat(5000))],
      ['NULs', () => Buffer.from([0, 0, 0, 0])], ['NUL {', () => Buffer.from([0, 0x7b])], ['lone surrogate escapes', () => Buffer.from(t.replace(/":"/, '":"\\udfff\\ud800'))],
      ['deep value', () => Buffer.from(t.replace(/}$/, `,"x":${nest(2000)}}`))], ['big array', () => Buffer.from(`[${Array(60_000).fill('{}').join(',')}]`)],
      ['template with 125k key', () => Buffer.from(t.replace(/^{/, `{"${HUGE}":1,`))], ['many keys', () => Buffer.from(`{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`)],
      ['__proto__ body', () => Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}')],
    ];
    const [name, make] = r.pick(whole);
    notes.push(`body: ${name}`);
    return make();
  }
  notes.push('valid template (odd transport)');
  return Buffer.from(serialize(entries));
}

/** What the route's credential slot gets: a header, a query parameter, a path segment or a body value. */
function credential(r: Rng, ctx: FuzzCtx, route: Route, notes: string[]): { headers: Record<string, string | string[]>; token?: string; query?: string } {
  const broken = () => r.pick(ctx.broken[route.d]);
  const scheme = (t: string): Record<string, string | string[]> => {
    const y = r.next();
    if (y < 0.85) return { authorization: `Bearer ${t}` };
    const odd = r.pick([`bearer ${t}`, `Bearer  ${t}`, `Basic ${t}`, t, 'Bearer', 'Bearer ', `Token ${t}`, `Bearer ${t},Bearer ${t}`, ' , , ', `Bearer ${t},,Basic y`, `Bearer ${t}, , y`, `BEARER ${t}`, `Bearer\t${t}`]);
    notes.push(`authorization=${JSON.stringify(odd.slice(0, 30))}`);
    return { authorization: odd };
  };
  const pickWeighted = (xs: [number, string, () => string | null][]): [string, string | null] => {
    let y = r.next() * xs.reduce((a, [w]) => a + w, 0);
    for (const [w, name, f] of xs) {
      if ((y -= w) <= 0) return [name, f()];
    }
    const last = xs.at(-1)!;
    return [last[1], last[2]()];
  };
  switch (route.auth) {
    case 'fastapi-bearer': {
      const [name, t] = pickWeighted([[0.1, 'none', () => null], [0.3, 'admin', () => ctx.fa.admin], [0.1, 'zhangsan', () => ctx.fa.zhang], [0.1, 'lisi', () => ctx.fa.lisi], [0.4, 'broken', broken]]);
      notes.push(`cred ${name}`);
      return { headers: t === null ? {} : scheme(t) };
    }
    case 'fastapi-body-refresh': {
      const [name, t] = pickWeighted([[0.4, 'refresh', () => r.pick(ctx.fa.refresh)], [0.1, 'access', () => ctx.fa.admin], [0.5, 'broken', broken]]);
      notes.push(`refresh_token ${name}`);
      return { headers: {}, token: t! };
    }
    case 'flask-refresh': {
      const [name, t] = pickWeighted([[0.1, 'none', () => null], [0.3, 'admin refresh', () => ctx.fl.adminRefresh], [0.1, 'licheng refresh', () => ctx.fl.lichRefresh], [0.1, 'access', () => ctx.fl.adminAccess], [0.4, 'broken', broken]]);
      notes.push(`cred ${name}`);
      return { headers: t === null ? {} : scheme(t) };
    }
    case 'v1':
    case 'v1-sacrificial': {
      const own = route.auth === 'v1' ? () => ctx.v1.admin : () => r.pick(ctx.v1.sacrificial);
      const [name, t] = pickWeighted([[0.08, 'none', () => null], [0.3, 'admin token', own], [0.12, 'admin key', () => ctx.v1.adminKey], [0.08, 'ops token', route.auth === 'v1' ? () => ctx.v1.ops : own], [0.06, 'ops key', () => ctx.v1.opsKey], [0.04, 'read key', () => ctx.v1.readKey], [0.32, 'broken', broken]]);
      notes.push(`cred ${name}`);
      if (t === null) return { headers: {} };
      if (t.startsWith('ak_') && r.chance(0.6)) return { headers: { 'x-api-key': t }, token: t };
      return { headers: scheme(t), token: t };
    }
    case 'xtoken': {
      const [name, t] = pickWeighted([[0.1, 'none', () => null], [0.35, 'access', () => ctx.oa.access], [0.1, 'ui', () => ctx.oa.ui], [0.45, 'broken', broken]]);
      notes.push(`cred ${name}`);
      if (t === null) return { headers: {} };
      if (r.chance(0.25)) return { headers: {}, query: `x-token=${encodeURIComponent(t)}` };
      return { headers: { 'x-token': t } };
    }
    case 'openapi-path-refresh': {
      const [name, t] = pickWeighted([[0.4, 'refresh', () => r.pick(ctx.oa.refresh)], [0.1, 'access', () => ctx.oa.access], [0.5, 'broken', broken]]);
      notes.push(`path token ${name}`);
      return { headers: {}, token: t! };
    }
    default:
      return { headers: {} };
  }
}

export function makeRequest(n: number, r: Rng, ctx: FuzzCtx, route: Route): FuzzReq {
  const notes: string[] = [];
  const cred = credential(r, ctx, route, notes);
  const headers: Record<string, string | string[]> = { ...cred.headers };
  // path
  let path = route.path;
  if (path.includes(':id')) {
    let id: string;
    if (route.auth === 'openapi-path-refresh') id = r.chance(0.9) ? encodeURIComponent(cred.token ?? '') : r.pick(PATH_JUNK);
    else if (route.pool === 'self') id = r.chance(0.7) ? ctx.v1.adminId : r.pick([...ctx.pools.user.slice(0, 5), ...PATH_JUNK]);
    else id = r.chance(0.75) ? r.pick(ctx.pools[route.pool ?? 'user']) : r.pick(PATH_JUNK);
    path = path.replace(':id', id);
  }
  if (r.chance(0.08)) {
    const m = r.int(0, 10);
    const before = path;
    path = [`${path}/`, `/${path}`, path.toUpperCase(), `${path}%20`, `${path}/..`, `${path}/%2e%2e`, `${path}%00`, `${path};jsessionid=1`, `/${'a'.repeat(5000)}`, `${path}/extra`, `${path}%E0%A4%A`][m]!;
    notes.push(`path ${before} → ${path.slice(0, 60)}`);
  }
  // query
  const q: string[] = [];
  if (route.query) {
    for (const [k, v0] of Object.entries(route.query)) {
      const v = v0 === '@user' ? r.pick(ctx.pools.user) : v0;
      const y = r.next();
      if (y < 0.15) {
        notes.push(`drop ?${k}`);
        continue;
      }
      if (y < 0.5) {
        const j = r.pick(QUERY_JUNK);
        notes.push(`?${k}=${j.slice(0, 20)}`);
        q.push(`${k}=${j}`);
      } else q.push(`${k}=${v}`);
      if (r.chance(0.05)) {
        q.push(`${k}=${r.pick(QUERY_JUNK)}`);
        notes.push(`repeat ?${k}`);
      }
    }
    if (r.chance(0.05)) q.push(`${r.pick(['x', '__proto__', 'page[]', '', '%00'])}=${r.pick(QUERY_JUNK)}`);
  } else if (r.chance(0.04)) q.push(`${r.pick(['page', 'x', '__proto__'])}=${r.pick(QUERY_JUNK)}`);
  if (cred.query) q.push(cred.query);
  if (q.length) path += `?${q.join('&')}`;
  // method
  let method = route.method;
  if (r.chance(0.08)) {
    method = r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE']);
    notes.push(`method ${method}`);
  }
  // body
  let body: Buffer | undefined;
  if (route.body) {
    const template = route.body(r);
    for (const [k, v] of Object.entries(template)) {
      if (v === '@user') template[k] = Number(r.pick(ctx.pools.user));
      if (v === '@self') template[k] = cred.token ?? 'none';
    }
    if (route.auth === 'fastapi-body-refresh') template.refresh_token = cred.token ?? '';
    body = mutateBody(r, template, notes);
  } else if (r.chance(0.1)) {
    body = Buffer.from(r.pick(['{"a":1}', 'garbage', nest(1000), '']));
    notes.push('a body on a bodiless route');
  }
  if (body !== undefined) {
    const ct = r.chance(0.72) ? 'application/json' : r.pick(CONTENT_TYPES);
    if (ct !== undefined) headers['content-type'] = ct;
    if (ct !== 'application/json') notes.push(`content-type ${JSON.stringify(ct?.slice(0, 40))}`);
  }
  for (let k = r.chance(0.5) ? r.int(1, 3) : 0; k > 0; k--) {
    const [h, v] = r.pick(ODD_HEADERS);
    if (h === 'access-control-request-method') headers.origin = 'http://localhost:3000';
    headers[h] = v;
    notes.push(`header ${h}`);
  }
  const chunked = body !== undefined && r.chance(0.06);
  if (chunked) notes.push('chunked');
  if (method === 'GET' || method === 'HEAD') {
    /* node sends a body on GET when given one: keep it, it is part of the fuzz */
  }
  // Safety: the fuzz must not disable, delete or rename its own principals (that would end the run's credentials).
  if (route.d === 'fastapi' && /\/users\/(update|delete|reset_password)$/.test(route.path)) {
    const names = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(v))) && ctx.principalIds.has(Number(v));
    const query = new URLSearchParams(path.split('?')[1] ?? '');
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body.toString('utf8')) : undefined;
    } catch {
      parsed = undefined;
    }
    const inBody = parsed !== null && typeof parsed === 'object' && (names((parsed as Record<string, unknown>).id) || names((parsed as Record<string, unknown>).user_id));
    if (query.getAll('user_id').some(names) || inBody) {
      notes.push('(a principal id was replaced by a pool id)');
      const safe = ctx.pools.user[0]!;
      if (inBody) body = Buffer.from(JSON.stringify({ ...(parsed as object), id: Number(safe), user_id: Number(safe) }));
      path = path.replace(/user_id=[^&]*/g, `user_id=${safe}`);
    }
  }
  return { n, d: route.d, route: `${route.method} ${route.path}`, method, path, headers, ...(body !== undefined && { body }), chunked, notes };
}

// ---------------------------------------------------------------------------------------------------------------
// Odd HTTP over raw sockets

function rawMessages(r: Rng, ctx: FuzzCtx): { d: Dialect; name: string; bytes: Buffer }[] {
  const pathsOf: Record<Dialect, string[]> = {
    fastapi: ['/api/v1/base/access_token', '/api/v1/base/userinfo', '/api/v1/users/list?page=1'],
    flask: ['/api/auth/login', '/api/auth/refresh', '/auth/register'],
    v1auth: ['/api/v1/auth/login', '/api/v1/auth/users', `/api/v1/auth/users/${ctx.pools.user[0]}`],
    openapi: ['/v1.0/openapi/auth/login', '/api/v1/auth/password', '/api/v1/auth/initInfo'],
  };
  const body = '{"username":"admin","password":"x"}';
  const T: [string, (p: string, tok: string) => string | Buffer][] = [
    ['utf-8 bytes in Authorization', (p, t) => Buffer.concat([Buffer.from(`POST ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer `), Buffer.from('中文令牌'), Buffer.from(`${t}\r\nContent-Length: 0\r\n\r\n`)])],
    ['utf-8 bytes in x-token', (p) => Buffer.concat([Buffer.from(`PUT ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-token: `), Buffer.from('😀'), Buffer.from('\r\nContent-Length: 0\r\n\r\n')])],
    ['NUL in a header', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\nConnection: close\r\n\r\n`],
    ['obs-fold', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\nConnection: close\r\n\r\n`],
    ['two Content-Length', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}`],
    ['CL and TE', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    ['bare LF', (p) => `GET ${p} HTTP/1.1\nHost: x\nConnection: close\n\n`],
    ['HTTP/1.0 no Host', (p) => `GET ${p} HTTP/1.0\r\n\r\n`],
    ['HTTP/2 preface', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['absolute-form', (p) => `GET http://evil.example${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['OPTIONS *', () => 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['20 kB URL', (p) => `GET ${p}?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['17 kB header', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\nConnection: close\r\n\r\n`],
    ['3000 headers', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\nConnection: close\r\n\r\n`],
    ['bad method', (p) => `G@T ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['lower-case method', (p) => `get ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['space in path', (p) => `GET ${p} x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['raw utf-8 path', (p) => Buffer.concat([Buffer.from(`GET ${p}/`), Buffer.from('中'), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])],
    ['broken percent path', (p) => `GET ${p}/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['broken chunk size', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ['chunked with extensions and trailers', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)};ext=1\r\n${body}\r\n0\r\nX-Trailer: t\r\n\r\n`],
    ['TE gzip, chunked', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    ['TE identity', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`],
    ['Expect 100-continue', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`],
    ['Expect garbage', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 999-whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`],
    ['Content-Length -1', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}`],
    ['Content-Length 1e3', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\nConnection: close\r\n\r\n{}`],
    ['Content-Length 2^70', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1180591620717411303424\r\nConnection: close\r\n\r\n{}`],
    ['Content-Length 2 GiB', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\nConnection: close\r\n\r\n{}`],
    ['no Host', (p) => `GET ${p} HTTP/1.1\r\nConnection: close\r\n\r\n`],
    ['two Host', (p) => `GET ${p} HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n`],
    ['duplicate Authorization', (p, t) => `POST ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t}\r\nAuthorization: Bearer junk\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`],
    ['duplicate X-API-Key', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${ctx.v1.adminKey}\r\nX-API-Key: ak_junk\r\nConnection: close\r\n\r\n`],
    ['duplicate Content-Type', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`],
    ['pipelined 3', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\nGET ${p} HTTP/1.1\r\nHost: x\r\n\r\nGET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['header without colon', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nBroken header\r\nConnection: close\r\n\r\n`],
    ['space before colon', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nAuthorization : Bearer x\r\nConnection: close\r\n\r\n`],
    ['latin-1 header value', (p) => Buffer.concat([Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\nAccept-Language: `), Buffer.from([0xe9, 0xff]), Buffer.from('\r\nConnection: close\r\n\r\n')])],
    ['HTTP/1.1 with fraction version', (p) => `GET ${p} HTTP/1.9\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['CONNECT', () => 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\nConnection: close\r\n\r\n'],
    ['Upgrade websocket', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`],
    ['Upgrade h2c', (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`],
    ['body longer than Content-Length', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}{"smuggled":1}`],
    ['smuggled second request', (p) => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}GET /admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
  ];
  const out: { d: Dialect; name: string; bytes: Buffer }[] = [];
  const tokens: Record<Dialect, string> = { fastapi: ctx.fa.admin, flask: ctx.fl.adminRefresh, v1auth: ctx.v1.admin, openapi: ctx.oa.access };
  for (const d of ['fastapi', 'flask', 'v1auth', 'openapi'] as const) {
    for (const [name, make] of T) {
      for (const p of pathsOf[d]) {
        const b = make(p, tokens[d]);
        out.push({ d, name, bytes: typeof b === 'string' ? Buffer.from(b, 'latin1') : b });
      }
    }
  }
  // shuffle deterministically
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Run and classify

export interface FiveXX {
  n: number;
  d: Dialect;
  route: string;
  status: number;
  bodyCode?: number;
  request: { method: string; path: string; headers: Record<string, string | string[]>; bodyBytes: number; bodyPreview: string; bodyBase64?: string; chunked?: boolean; notes: string[] };
  response: string;
  verdict: Verdict;
  /** CPython's own json.loads on the body, where python3 is installed: ok, ValueError (Flask: 400), RecursionError (500). */
  cpython?: string;
}

export interface FuzzResult {
  sent: number;
  rawSent: number;
  byStatus: Record<Dialect, Record<string, number>>;
  rawByStatus: Record<string, number>;
  byRoute: Record<string, Record<string, number>>;
  fivexx: FiveXX[];
  transport: Record<string, { count: number; example: string }>;
  /** Requests re-sent on a fresh connection after their reused keep-alive socket was reset. */
  retried: Record<string, number>;
  leaks: { n: number; d: Dialect; path: string; what: string }[];
  unhandled: number;
  unhandledLines: string[];
  deadAtEnd: string[];
  /** How the flask body 5xx were cross-checked with CPython's json.loads (python3 on this machine), if at all. */
  cpython: string;
  seconds: number;
  file: string;
}

const LEAK = /\.ts:\d+|node_modules|at [A-Za-z.<>]+ \(|SQLITE_|TypeError:|ReferenceError:|RangeError:|SyntaxError:|drizzle|better-sqlite3/;

export async function runFuzz(gw: ChildGateway, opts: { total: number; raw: number; seed: number; concurrency: number; outDir: string; log: (s: string) => void }): Promise<FuzzResult> {
  const ctx = await setupFuzz(gw);
  const secrets = gw.secrets();
  const all = routes();
  const r = rng(opts.seed);
  const linesAtStart = gw.lines.length;
  const t0 = performance.now();
  const byStatus = Object.fromEntries(['fastapi', 'flask', 'v1auth', 'openapi'].map((d) => [d, {}])) as Record<Dialect, Record<string, number>>;
  const byRoute: Record<string, Record<string, number>> = {};
  const fivexx: FiveXX[] = [];
  const transport: FuzzResult['transport'] = {};
  const leaks: FuzzResult['leaks'] = [];
  const retried: Record<string, number> = {};
  const bump = (o: Record<string, number>, k: string) => (o[k] = (o[k] ?? 0) + 1);

  const judge = (q: FuzzReq, res: Res) => {
    const key = `${q.d} ${q.route}`;
    if (res.retried) bump(retried, `${q.d} ${res.retried} → ${res.status}`);
    const statusKey = res.status === -1 ? `ERR ${res.error}` : String(res.status);
    bump(byStatus[q.d], statusKey);
    bump((byRoute[key] ??= {}), statusKey);
    if (res.status === -1) {
      const t = (transport[`${q.d} ${q.route} ${res.error}`] ??= { count: 0, example: `${q.method} ${q.path.slice(0, 80)} ${q.notes.join('; ').slice(0, 200)}` });
      t.count++;
      return;
    }
    const text = res.body.toString('utf8');
    const bodyCode = q.d === 'openapi' ? (json(res)?.code as number | undefined) : undefined;
    if (LEAK.test(text)) leaks.push({ n: q.n, d: q.d, path: q.path.slice(0, 100), what: LEAK.exec(text)![0] });
    const is5xx = res.status >= 500 || bodyCode === 500;
    if (!is5xx) return;
    let verdict: Verdict = { legacy: false, why: 'a 5xx from this dialect is never legacy' };
    if (q.d === 'flask' && res.status === 500 && text.includes('<title>500 Internal Server Error</title>')) {
      const ct = q.headers['content-type'];
      if (q.route.endsWith('/refresh')) verdict = classifyRefresh500(q.headers.authorization, secrets.flask);
      else if (q.route.endsWith('/login') || q.route.endsWith('/register')) {
        verdict = q.method === 'POST' ? classifyBody500(q.route.endsWith('/login') ? 'login' : 'register', typeof ct === 'string' ? ct : undefined, q.body) : { legacy: false, why: `a ${q.method} is Werkzeug's 405, not 500` };
      }
    }
    if (res.status === 503 && q.d !== 'flask') verdict = { legacy: false, why: 'a 503 (maxRequestsPerSocket?)' };
    fivexx.push({
      n: q.n,
      d: q.d,
      route: q.route,
      status: res.status,
      ...(bodyCode !== undefined && { bodyCode }),
      request: { method: q.method, path: q.path, headers: q.headers, bodyBytes: q.body?.length ?? 0, bodyPreview: preview(q.body, 400), ...(q.body && q.body.length <= 2_000_000 && { bodyBase64: q.body.toString('base64') }), chunked: q.chunked, notes: q.notes },
      response: text.slice(0, 300),
      verdict,
    });
  };

  /** Are the fuzz's own credentials still alive? (If not, later requests only reached the credential check.) */
  const alive = async (): Promise<Record<string, boolean>> => {
    const st = async (d: Dialect, method: string, path: string, cred: Parameters<typeof call>[4], body?: unknown) => call(gw, d, method, path, cred, body);
    return {
      'fastapi admin': (await st('fastapi', 'GET', '/api/v1/base/userinfo', { bearer: ctx.fa.admin })).status === 200,
      'fastapi zhangsan': (await st('fastapi', 'GET', '/api/v1/base/userinfo', { bearer: ctx.fa.zhang })).status === 200,
      'fastapi lisi': (await st('fastapi', 'GET', '/api/v1/base/userinfo', { bearer: ctx.fa.lisi })).status === 200,
      'flask admin refresh': (await st('flask', 'POST', '/api/auth/refresh', { bearer: ctx.fl.adminRefresh })).status === 200,
      'v1auth admin': (await st('v1auth', 'GET', '/api/v1/auth/api-keys', { bearer: ctx.v1.admin })).status === 200,
      'v1auth ops': (await st('v1auth', 'GET', '/api/v1/auth/api-keys', { bearer: ctx.v1.ops })).status === 200,
      'v1auth admin key': (await st('v1auth', 'GET', '/api/v1/auth/api-keys', { key: ctx.v1.adminKey })).status === 200,
      'openapi admin': json(await st('openapi', 'PUT', '/api/v1/auth/password', { xtoken: ctx.oa.access }, {}))?.errorCode === 10003,
      'openapi ui': json(await st('openapi', 'PUT', '/api/v1/auth/password', { xtoken: ctx.oa.ui }, {}))?.errorCode === 10003,
    };
  };
  const dead = (a: Record<string, boolean>) => Object.entries(a).filter(([, v]) => !v).map(([k]) => k);
  let done = 0;
  await pool(opts.concurrency, opts.total, async (i) => {
    const route = all[i % all.length]!;
    const q = makeRequest(i, r, ctx, route);
    const res = await gw.send(q.d, { method: q.method, path: q.path, headers: q.headers, ...(q.body !== undefined && { body: q.body }), chunked: q.chunked, timeoutMs: 60_000 });
    judge(q, res);
    if (++done % 5000 === 0) {
      const gone = dead(await alive());
      opts.log(`  fuzz: ${done}/${opts.total} in ${Math.round((performance.now() - t0) / 1000)} s, 5xx so far ${fivexx.length}, own credentials dead: ${gone.join(', ') || 'none'}`);
    }
  });
  const deadAtEnd = dead(await alive());
  const rawByStatus: Record<string, number> = {};
  const messages = rawMessages(r, ctx);
  const rawN = Math.max(opts.raw, 0);
  await pool(8, rawN, async (i) => {
    const m = messages[i % messages.length]!;
    const res = await sendRaw(gw.ports[m.d], m.bytes);
    bump(rawByStatus, res.status === -1 ? 'closed' : res.status === -2 ? 'no answer in 4 s' : String(res.status));
    bump((byRoute[`${m.d} RAW ${m.name}`] ??= {}), String(res.status));
    if (res.status >= 500) {
      fivexx.push({
        n: opts.total + i, d: m.d, route: `RAW ${m.name}`, status: res.status,
        request: { method: 'RAW', path: '', headers: {}, bodyBytes: m.bytes.length, bodyPreview: preview(m.bytes, 400), notes: [m.name] },
        response: res.text.slice(0, 300),
        verdict: { legacy: false, why: 'raw HTTP' },
      });
    }
    for (const line of res.text.split('\r\n\r\n').slice(1)) if (LEAK.test(line)) leaks.push({ n: opts.total + i, d: m.d, path: m.name, what: LEAK.exec(line)![0] });
  });
  await new Promise((res) => setTimeout(res, 500));
  const unhandledLines = gw.unhandled(linesAtStart).map((l) => `${l.stream}: ${l.text}`);
  const cpython = crossCheckWithCpython(fivexx, opts.outDir);
  const file = join(opts.outDir, 'fuzz-5xx.json');
  writeFileSync(file, JSON.stringify(fivexx, null, 1));
  void call;
  return {
    sent: opts.total,
    rawSent: rawN,
    byStatus,
    rawByStatus,
    byRoute,
    fivexx,
    transport,
    retried,
    leaks,
    unhandled: unhandledLines.length,
    unhandledLines,
    deadAtEnd,
    cpython,
    seconds: Math.round((performance.now() - t0) / 1000),
    file,
  };
}

const PY_CHECK = `
import base64, json, sys
for line in sys.stdin:
    b = base64.b64decode(line.strip())
    try:
        json.loads(b)
        print('ok')
    except RecursionError:
        print('RecursionError')
    except ValueError as e:
        print('ValueError: ' + type(e).__name__ + ': ' + str(e)[:80].replace(chr(10), ' '))
`;

/**
 * Every flask login/register 5xx body through CPython's own json.loads (when python3 is on this machine): a body
 * CPython refuses is Flask's 400, so a 500 for it is a bug whatever the legacy rules say; a RecursionError is the
 * documented nesting crash.
 */
function crossCheckWithCpython(fivexx: FiveXX[], outDir: string): string {
  const bodies = fivexx.filter((x) => x.d === 'flask' && /\/(login|register)$/.test(x.route) && x.request.method === 'POST' && x.request.bodyBase64 !== undefined);
  if (!bodies.length) return 'no flask body 5xx to check';
  const py = spawnSync('python3', ['-c', PY_CHECK], { input: bodies.map((x) => x.request.bodyBase64).join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (py.status !== 0) return `not cross-checked (python3: ${py.error?.message ?? py.stderr.slice(0, 200)})`;
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const answers = py.stdout.trim().split('\n');
  let changed = 0;
  bodies.forEach((x, i) => {
    const a = answers[i] ?? '?';
    x.cpython = a;
    if (a.startsWith('ValueError') && x.verdict.legacy) {
      x.verdict = { legacy: false, why: `CPython's json.loads refuses this body (${a.slice(12, 90)}): Flask answers 400, not 500` };
      changed++;
    } else if (a === 'RecursionError' && !x.verdict.legacy) {
      x.verdict = { legacy: true, source: 'compat-flask.md', why: 'CPython itself raised RecursionError (nesting)' };
      changed++;
    } else if (a === 'ok' && x.verdict.legacy && x.verdict.why.startsWith('JSON nesting')) {
      x.verdict = { ...x.verdict, why: `${x.verdict.why} (${version} at top level parsed it: the 990 bound is the documented approximation)` };
    }
  });
  void outDir;
  return `${bodies.length} flask body 5xx re-read by ${version}'s json.loads; ${changed} verdict(s) changed by it`;
}
