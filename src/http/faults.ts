// Fault injection (control-plane.md §4, "Faults"): per-tenant rules that delay, replace or reset a dialect's answers,
// before the handler runs or after it has committed. Only the first matching rule counts; its n-th match takes
// draw n of its own PRNG, seeded by `seed` (drawn from the injected Random when absent, and shown), so a seeded
// rule hits the same requests on every run. With no rules, or no matching one, the layer returns what the dialect
// returned: no promise added.
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIALECT_NAMES } from '../config.ts';
import { mulberry32 } from '../core/prng.ts';
import type { Random } from '../core/ports.ts';
import { pathOf, type Fetch, type Layer } from './listener.ts';
import { compilePathPattern, PatternError, type PathMatcher } from './path-pattern.ts';

/** A rule as it is given and shown (snake_case, as the admin plane speaks). */
export interface FaultRule {
  id: string;
  dialect: string;
  method: string;
  path: string;
  delay_ms: number;
  /** The status answered instead of the dialect's; null: the dialect's own answer (after the delay). */
  status: number | null;
  body: string;
  reset: boolean;
  phase: 'before' | 'after';
  probability: number;
  seed: number;
  /** Hits left before the rule is gone; null: no end. */
  times: number | null;
}

export const RULE_FIELDS = ['id', 'dialect', 'method', 'path', 'delay_ms', 'status', 'body', 'reset', 'phase', 'probability', 'seed', 'times'] as const;
/** The longest delay a rule may ask for. */
export const MAX_DELAY_MS = 60_000;

/** A rule the gateway refuses: `invalid` (the admin plane's 400 `invalid_request`) or `conflict` (409, id taken). */
export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
  constructor(
    readonly code: 'invalid' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** Which rule hit a request (the journal's `fault`), and whether it reset the connection. */
export interface FaultHit {
  rule: string;
  reset: boolean;
}

const hits = new WeakMap<Request, FaultHit>();
export const faultOf = (request: Request): FaultHit | undefined => hits.get(request);

export interface Faults {
  /** Validates and appends a rule (matched after the earlier ones); FaultRuleError. */
  add(input: unknown): FaultRule;
  list(): FaultRule[];
  /** False when there is no such rule. */
  remove(id: string): boolean;
  clear(): void;
  readonly layer: Layer;
}

interface LiveRule {
  view: FaultRule;
  matchesPath: PathMatcher;
  draw: () => number;
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
const invalid = (message: string) => new FaultRuleError('invalid', message);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function whole(x: unknown, field: string, min: number, max: number): number {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max) return x;
  throw invalid(`${field} must be a whole number from ${min} to ${max}`);
}

function text(x: unknown, field: string): string {
  if (typeof x === 'string') return x;
  throw invalid(`${field} must be a string`);
}

/** Checks a rule's fields and fills in the defaults; `seed` comes from `newSeed` when absent. */
export function parseRule(input: unknown, newId: () => string, newSeed: () => number): FaultRule {
  if (!isObject(input)) throw invalid('a fault rule must be a JSON object');
  for (const k of Object.keys(input)) {
    if (!(RULE_FIELDS as readonly string[]).includes(k)) throw invalid(`unknown field ${JSON.stringify(k)} in the rule (expected ${RULE_FIELDS.join(', ')})`);
  }
  const given = (k: string) => input[k] !== undefined && input[k] !== null;
  const id = given('id') ? text(input.id, 'id') : newId();
  if (!ID.test(id)) throw invalid('id must be 1 to 64 of A-Z, a-z, 0-9, _, . and -');
  const dialect = given('dialect') ? text(input.dialect, 'dialect') : '*';
  if (dialect !== '*' && !(DIALECT_NAMES as readonly string[]).includes(dialect)) throw invalid(`dialect must be "*" or one of ${DIALECT_NAMES.join(', ')}`);
  const method = given('method') ? text(input.method, 'method').toUpperCase() : '*';
  if (method !== '*' && !METHOD.test(method)) throw invalid('method must be "*" or an HTTP method such as GET');
  const path = given('path') ? text(input.path, 'path') : '**';
  try {
    compilePathPattern(path);
  } catch (e) {
    if (e instanceof PatternError) throw invalid(e.message);
    throw e;
  }
  const status = given('status') ? whole(input.status, 'status', 200, 599) : null;
  const body = given('body') ? text(input.body, 'body') : '';
  const reset = given('reset') ? input.reset : false;
  if (typeof reset !== 'boolean') throw invalid('reset must be true or false');
  const phase = given('phase') ? input.phase : 'before';
  if (phase !== 'before' && phase !== 'after') throw invalid('phase must be "before" (instead of the handler) or "after" (once it has answered)');
  const probability = given('probability') ? input.probability : 1;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) throw invalid('probability must be a number from 0 to 1');
  const seed = given('seed') ? whole(input.seed, 'seed', 0, 2 ** 32 - 1) : newSeed();
  const times = given('times') ? whole(input.times, 'times', 1, Number.MAX_SAFE_INTEGER) : null;
  const delay = given('delay_ms') ? whole(input.delay_ms, 'delay_ms', 0, MAX_DELAY_MS) : 0;
  if (reset && status !== null) throw invalid('a rule either resets the connection or answers a status, not both');
  if (status === null && body !== '') throw invalid('body needs a status to be answered with');
  if ((status === 204 || status === 205 || status === 304) && body !== '') throw invalid(`status ${status} carries no body`);
  if (!reset && status === null && delay === 0) throw invalid('the rule does nothing: give it a delay_ms, a status or reset: true');
  return { id, dialect, method, path, delay_ms: delay, status, body, reset, phase, probability, seed, times };
}

const contentTypeOf = (body: string): string | undefined => {
  if (body === '') return undefined;
  if (/^\s*[{[]/.test(body)) {
    try {
      JSON.parse(body);
      return 'application/json';
    } catch {
      // not JSON after all: plain text
    }
  }
  return 'text/plain; charset=utf-8';
};

const answer = (rule: FaultRule, request: Request): Response => {
  const type = contentTypeOf(rule.body);
  const empty = request.method === 'HEAD' || rule.body === '' || rule.status === 204 || rule.status === 205 || rule.status === 304;
  return new Response(empty ? null : rule.body, { status: rule.status!, headers: type && !empty ? { 'content-type': type } : {} });
};

/**
 * Drops the client's connection. Served by @hono/node-server, env holds the socket; the answer returned then is
 * written to a destroyed socket and goes nowhere. Without a socket (app.request in tests) it is a network error.
 */
function resetConnection(env: unknown): Response {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming?.socket) return Response.error();
  incoming.socket.destroy();
  return new Response(null, { status: 500 });
}

/** Lets go of an answer the fault replaces (a stream, say) without reading it. */
const discard = (response: Response) => {
  response.body?.cancel().catch(() => {});
};

export function createFaults({ random }: { random: Random }): Faults {
  let rules: LiveRule[] = [];
  let sequence = 0;
  const newId = () => {
    let id: string;
    do id = `fault_${++sequence}`;
    while (rules.some((r) => r.view.id === id));
    return id;
  };
  const newSeed = () => random.bytes(4).readUInt32BE(0);
  const remove = (id: string) => {
    const before = rules.length;
    rules = rules.filter((r) => r.view.id !== id);
    return rules.length !== before;
  };

  async function apply(rule: FaultRule, request: Request, env: unknown, ctx: unknown, next: Fetch): Promise<Response> {
    if (rule.phase === 'before') {
      if (rule.delay_ms > 0) await sleep(rule.delay_ms); // wall time, whatever the virtual clock says
      if (rule.reset) return resetConnection(env);
      return rule.status !== null ? answer(rule, request) : next(request, env, ctx);
    }
    const response = await next(request, env, ctx); // the handler has committed its writes
    if (rule.delay_ms > 0) await sleep(rule.delay_ms);
    if (rule.reset) {
      discard(response);
      return resetConnection(env);
    }
    if (rule.status === null) return response;
    discard(response);
    return answer(rule, request);
  }

  const layer: Layer = (dialect, next) => (request, env, ctx) => {
    if (rules.length === 0) return next(request, env, ctx);
    const method = request.method;
    let path: string | undefined;
    let rule: LiveRule | undefined;
    for (const r of rules) {
      const v = r.view;
      if ((v.dialect === '*' || v.dialect === dialect) && (v.method === '*' || v.method === method) && r.matchesPath((path ??= pathOf(request.url)))) {
        rule = r;
        break;
      }
    }
    // Only the first matching rule counts, hit or miss.
    if (!rule || !(rule.draw() < rule.view.probability)) return next(request, env, ctx);
    const view = rule.view;
    if (view.times !== null) {
      view.times -= 1;
      if (view.times === 0) remove(view.id); // at once, so concurrent requests cannot exceed `times`
    }
    hits.set(request, { rule: view.id, reset: view.reset });
    return apply({ ...view }, request, env, ctx, next);
  };

  return {
    add(input) {
      const view = parseRule(input, newId, newSeed);
      if (rules.some((r) => r.view.id === view.id)) throw new FaultRuleError('conflict', `a fault rule with the id ${JSON.stringify(view.id)} exists; delete it first`);
      rules = [...rules, { view, matchesPath: compilePathPattern(view.path), draw: mulberry32(view.seed) }];
      return { ...view };
    },
    list: () => rules.map((r) => ({ ...r.view })),
    remove,
    clear() {
      rules = [];
    },
    layer,
  };
}
