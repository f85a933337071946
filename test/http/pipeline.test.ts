// The one request pipeline (src/http/pipeline.ts) on its own: stage order as data, the synchronous path, the answers
// derived from the endpoint table, and which error table answers a core error.
import { Hono, type Context } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { CoreError } from '../../src/core/errors.ts';
import { denialOf } from '../../src/http/decisions.ts';
import { routeTable } from '../../src/http/misses.ts';
import { deny, mountEndpoints, runEndpoint, stagesFor, type DialectPipeline, type Endpoint, type ErrorTable, type Input, type Misses, type Reply, type Stage } from '../../src/http/pipeline.ts';
import { fastapiLogin } from '../helpers/fastapi.ts';
import { makeGateway, send } from '../helpers/harness.ts';
import { V1, v1Login } from '../helpers/v1auth.ts';

const text = (status: number, body: string): Reply => ({ status, body, contentType: 'text/plain' });
const respond = (_c: Context, r: Reply) => new Response(r.body, { status: r.status, headers: { ...(r.contentType && { 'content-type': r.contentType }), ...r.headers } });
const MISSES: Misses = {
  methodNotAllowed: (_c, methods) => ({ ...text(405, `allow ${methods.join(',')}`), headers: { allow: methods.join(', ') } }),
  trailingSlash: (_c, bare) => ({ status: 307, body: null, headers: { location: bare } }),
  notFound: () => text(404, 'nope'),
};

function app<In extends Input>(endpoints: Endpoint<In>[], over: Partial<DialectPipeline<In>> = {}): Hono {
  const a = new Hono();
  mountEndpoints(a, endpoints, { name: 'test', errors: {}, misses: MISSES, internalError: () => text(500, 'boom'), respond, ...over });
  return a;
}

/** A stage that records its name and, when told to, answers instead of passing on. */
const step = (name: string, log: string[], answer?: Reply, async = false): Stage => ({
  name,
  run() {
    log.push(name);
    return async ? Promise.resolve(answer) : answer;
  },
});
const ok = () => text(200, 'handled');

describe('pipeline: stage order is data', () => {
  it('the stages run in the order of the list; the first to answer ends the request', async () => {
    const log: string[] = [];
    const a = step('a', log, text(401, 'a refused'));
    const b = step('b', log, text(422, 'b refused'));
    const authFirst = app([{ method: 'POST', path: '/x', stages: [a, b], handle: ok }]);
    const bodyFirst = app([{ method: 'POST', path: '/x', stages: [b, a], handle: ok }]);
    expect((await send(authFirst, 'POST', '/x')).text).toBe('a refused');
    expect((await send(bodyFirst, 'POST', '/x')).text).toBe('b refused');
    expect(log).toEqual(['a', 'b']);
  });

  it('a dialect order makes the stages an endpoint declares, skipping what it does not', () => {
    type Decl = { auth?: boolean; body?: boolean };
    const made = (name: string) => ({ name, run: () => undefined });
    const order = [(d: Decl) => (d.body ? made('json') : undefined), (d: Decl) => (d.auth ? made('auth') : undefined), () => made('query')];
    expect(stagesFor(order, { auth: true, body: true }).map((s) => s.name)).toEqual(['json', 'auth', 'query']);
    expect(stagesFor(order, { auth: true }).map((s) => s.name)).toEqual(['auth', 'query']);
    expect(stagesFor([...order].reverse(), { auth: true, body: true }).map((s) => s.name)).toEqual(['query', 'auth', 'json']);
  });

  it('the dialects keep their own orders: fastapi parses JSON before auth, v1auth authenticates first', async () => {
    const gw = await makeGateway();
    const fa = await send(gw.app('fastapi'), 'POST', '/api/v1/users/create', { body: '{not json', headers: { 'content-type': 'application/json' } });
    expect([fa.status, fa.json.code]).toEqual([422, 422]);
    const v1 = await send(gw.app('v1auth'), 'POST', `${V1}/users`, { body: '{not json', headers: { 'content-type': 'application/json' } });
    expect([v1.status, v1.json.message]).toEqual([401, '未提供认证信息']);
  });
});

describe('pipeline: a request that needs no I/O is answered without a promise', () => {
  it('synchronous stages and handler: app.fetch returns the Response itself', async () => {
    const log: string[] = [];
    const sync = app([{ method: 'GET', path: '/x', stages: [step('a', log), step('b', log)], handle: ok }]);
    const res = sync.fetch(new Request('http://localhost/x'));
    expect(res).toBeInstanceOf(Response);
    expect(await (res as Response).text()).toBe('handled');
    // A sync answer from a stage, and a sync 405/404 from the table, are just as direct.
    const refusing = app([{ method: 'GET', path: '/x', stages: [step('a', log, text(401, 'no'))], handle: ok }]);
    expect(refusing.fetch(new Request('http://localhost/x'))).toBeInstanceOf(Response);
  });

  it('a stage that awaits makes only its own request asynchronous, and the later stages still run', async () => {
    const log: string[] = [];
    const a = app([{ method: 'GET', path: '/x', stages: [step('a', log), step('io', log, undefined, true), step('c', log)], handle: ok }]);
    const res = a.fetch(new Request('http://localhost/x'));
    expect(res).toBeInstanceOf(Promise);
    expect(await (await res).text()).toBe('handled');
    expect(log).toEqual(['a', 'io', 'c']);
  });

  it('runEndpoint itself: a value through and through, or a promise from the first step that awaits', async () => {
    const c = {} as Context;
    const ep = (stages: Stage[], handle: () => Reply | Promise<Reply>): Endpoint => ({ method: 'GET', path: '/', stages, handle });
    expect(runEndpoint(ep([step('a', [])], ok), { c }, {})).toEqual(ok());
    const later = runEndpoint(ep([step('a', []), step('b', [], undefined, true)], ok), { c }, {});
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual(ok());
    expect(runEndpoint(ep([], async () => ok()), { c }, {})).toBeInstanceOf(Promise);
  });

  it('the real hot paths: fastapi userinfo and users/list, v1auth users list, with a warm cache', async () => {
    const gw = await makeGateway();
    const fa = gw.app('fastapi');
    const { access } = await fastapiLogin(fa, 'admin');
    const v1 = gw.app('v1auth');
    const token = await v1Login(v1, 'admin', 'password123');
    const requests: [Hono, string, string][] = [
      [fa, '/api/v1/base/userinfo', access],
      [fa, '/api/v1/users/list?page=1&page_size=10', access],
      [v1, `${V1}/users?page=1&page_size=20`, token],
    ];
    for (const [a, path, t] of requests) {
      const req = () => new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${t}` } });
      expect((await a.fetch(req())).status).toBe(200); // warms the read cache
      const res = a.fetch(req());
      expect([path, res instanceof Promise]).toEqual([path, false]);
      expect((res as Response).status).toBe(200);
    }
  });
});

describe('pipeline: 404 and 405 come from the endpoint table', () => {
  const endpoints: Endpoint[] = [
    { method: 'GET', path: '/a', stages: [], handle: ok },
    { method: 'POST', path: '/a', stages: [], handle: ok },
    { method: 'GET', path: '/items/:id', stages: [], handle: ok },
    { method: 'DELETE', path: '/v1.0/items/:id', stages: [], handle: ok },
  ];

  it('the methods per path, templates included', () => {
    const table = routeTable(endpoints);
    expect(table.methodsAt('/a')).toEqual(['GET', 'POST']);
    expect(table.methodsAt('/items/7')).toEqual(['GET']);
    expect(table.methodsAt('/v1.0/items/7')).toEqual(['DELETE']);
    expect(table.methodsAt('/v1x0/items/7')).toBeUndefined(); // a dot in a path is a dot
    expect(table.methodsAt('/items/7/more')).toBeUndefined();
    expect(table.methodsAt('/b')).toBeUndefined();
  });

  it('a known path with another method is 405 with its methods; an unknown one 404; a trailing slash redirects', async () => {
    const a = app(endpoints);
    const wrong = await send(a, 'DELETE', '/a');
    expect([wrong.status, wrong.text, wrong.headers.get('allow')]).toEqual([405, 'allow GET,POST', 'GET, POST']);
    expect((await send(a, 'PUT', '/items/9')).text).toBe('allow GET');
    expect((await send(a, 'GET', '/b')).status).toBe(404);
    const slash = await send(a, 'GET', '/a/');
    expect([slash.status, slash.headers.get('location')]).toEqual([307, '/a']);
  });

  it('without a 405 hook a wrong method is an unknown route (gin); an OPTIONS hook answers OPTIONS on a known path (Werkzeug)', async () => {
    const gin = app(endpoints, { misses: { notFound: () => text(404, 'unknown route') } });
    expect((await send(gin, 'DELETE', '/a')).text).toBe('unknown route');
    const werkzeug = app(endpoints, { misses: { ...MISSES, options: (_c, m) => ({ status: 200, body: '', headers: { allow: [...m, 'OPTIONS'].join(', ') } }) } });
    const options = await send(werkzeug, 'OPTIONS', '/a');
    expect([options.status, options.headers.get('allow')]).toEqual([200, 'GET, POST, OPTIONS']);
    expect((await send(werkzeug, 'OPTIONS', '/b')).status).toBe(404);
  });
});

describe('pipeline: which table answers a core error', () => {
  const raise = (kind: ConstructorParameters<typeof CoreError>[0], details = {}) => () => {
    throw new CoreError(kind, details);
  };
  const dialect: ErrorTable = { not_found: text(404, 'dialect not_found'), conflict: text(409, 'dialect conflict'), default: text(401, 'dialect default') };
  const own: ErrorTable = {
    conflict: (e) => (e.details.field === 'email' ? text(400, 'endpoint conflict on email') : undefined),
    validation: text(422, 'endpoint validation'),
    default: text(400, 'endpoint default'),
  };
  const answer = async (ep: Partial<Endpoint>, table: ErrorTable = dialect) =>
    (await send(app([{ method: 'GET', path: '/x', stages: [], handle: ok, ...ep }], { errors: table }), 'GET', '/x')).text;

  it("the endpoint's entry for the kind, then its default, then the dialect's entry, then the dialect's default", async () => {
    expect(await answer({ errors: own, handle: raise('validation') })).toBe('endpoint validation');
    expect(await answer({ errors: own, handle: raise('conflict', { field: 'email' }) })).toBe('endpoint conflict on email');
    // An entry that answers undefined passes the error on: to the endpoint's default first.
    expect(await answer({ errors: own, handle: raise('conflict', { field: 'username' }) })).toBe('endpoint default');
    expect(await answer({ errors: own, handle: raise('not_found') })).toBe('endpoint default');
    expect(await answer({ errors: { validation: text(422, 'v') }, handle: raise('not_found') })).toBe('dialect not_found');
    expect(await answer({ handle: raise('token_revoked') })).toBe('dialect default');
  });

  it("a stage's error is answered by the stage's table, then the dialect's, never by the endpoint's", async () => {
    const auth: Stage = { name: 'auth', run: raise('token_revoked'), errors: { default: text(401, 'stage default') } };
    expect(await answer({ stages: [auth], errors: own })).toBe('stage default');
    const bare: Stage = { name: 'auth', run: raise('not_found') };
    expect(await answer({ stages: [bare], errors: own })).toBe('dialect not_found');
    const later: Stage = { name: 'io', run: () => Promise.reject(new CoreError('conflict')), errors: { conflict: text(409, 'async stage conflict') } };
    expect(await answer({ stages: [later], errors: own })).toBe('async stage conflict');
  });

  it('a core error no table answers, and any other error, reach the app error handler (500)', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await answer({ handle: raise('not_found') }, {})).toBe('boom');
      expect(await answer({ handle: () => Promise.reject(new TypeError('bug')) }, dialect)).toBe('boom');
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual(['test: unhandled CoreError: not_found', 'test: unhandled TypeError: bug']);
    } finally {
      log.mockRestore();
    }
  });

  it('every core error is noted as the denial first, whatever answers it; a dialect refusal is noted from its Reply', async () => {
    const until = Date.UTC(2025, 0, 1, 0, 5);
    const a = app(
      [
        { method: 'GET', path: '/locked', stages: [], handle: raise('account_locked', { until }), errors: { default: text(200, 'a 200 all the same') } },
        { method: 'GET', path: '/hard', stages: [], handle: raise('account_locked', { until: null }) },
        { method: 'GET', path: '/role', stages: [{ name: 'rbac', run: () => deny(text(403, 'no role'), 'forbidden', { reason: 'no_role' }) }], handle: ok },
      ],
      { errors: dialect },
    );
    const noted = async (path: string) => {
      const req = new Request(`http://localhost${path}`);
      const res = await a.fetch(req);
      return [res.status, denialOf(req)];
    };
    expect(await noted('/locked')).toEqual([200, { kind: 'account_locked', details: { locked_until: '2025-01-01T00:05:00.000Z' } }]);
    expect(await noted('/hard')).toEqual([401, { kind: 'account_locked', details: { locked_until: null } }]);
    expect(await noted('/role')).toEqual([403, { kind: 'forbidden', details: { reason: 'no_role' } }]);
  });
});
