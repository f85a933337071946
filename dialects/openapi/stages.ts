// The gateway's request order as data: the x-token check (10006) before anything else, then gin's ShouldBind of
// the JSON body. The check needs no I/O on a cache hit, and a body that is not JSON by its content type fails
// without being read, so such requests are answered without a promise.
import type { Context, MiddlewareHandler } from 'hono';
import type { Core, User } from '../../src/core/index.ts';
import { mediaType, readJsonBody } from '../../src/http/body.ts';
import { expiryDetails, noteUser } from '../../src/http/decisions.ts';
import { reqHeader } from '../../src/http/headers.ts';
import { deny, requestOf, stagesFor, type Endpoint as PipelineEndpoint, type ErrorTable, type Reply, type Stage, type StageOrder } from '../../src/http/pipeline.ts';
import { rethrow, settle, type Awaitable } from '../../src/http/settle.ts';
import { gateway, openapi } from './envelope.ts';
import { langOf } from './errors.ts';
import type { Tokens } from './tokens.ts';

export interface Input<K extends string = string> {
  c: Context;
  /** The bound fields. */
  body: Record<K, string>;
  /** The x-token's user and session. */
  user: User;
  sessionId: string;
}

export interface Endpoint<K extends string = any> {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** Which envelope the route answers in (a binding failure is 1104 in one, 10003 in the other). */
  envelope: 'openapi' | 'gateway';
  /** The route needs a valid access token (`x-token` query parameter or header). */
  xToken?: boolean;
  /** The JSON body's required string fields. */
  bind?: readonly K[];
  /** The handler's answers to core errors. */
  errors?: ErrorTable;
  handle(input: Input<K>): Awaitable<Reply>;
}

export interface Deps {
  core: Core;
  tokens: Tokens;
  now: () => number;
  errors: { X_TOKEN: ErrorTable };
}

/** The access-token check of x-token routes: the query parameter wins over the header; every failure is 10006. */
const xToken =
  ({ core, tokens, errors }: Deps) =>
  (ep: Endpoint): Stage<Input> | undefined =>
    ep.xToken
      ? {
          name: 'x-token',
          errors: errors.X_TOKEN,
          run(input) {
            const { c } = input;
            const fromQuery = c.req.queries('x-token');
            const token = fromQuery !== undefined ? (fromQuery[0] ?? '') : reqHeader(c, 'x-token');
            if (!token) return deny(gateway(10006, langOf(c)), 'token_invalid', { reason: 'missing' });
            const checked = tokens.check(token, 'access');
            if (!checked.ok) {
              return checked.failure === 'expired'
                ? deny(gateway(10006, langOf(c)), 'token_expired', expiryDetails(core.clock, token))
                : deny(gateway(10006, langOf(c)), 'token_invalid', { reason: 'malformed' });
            }
            const { ID: userId, sid: sessionId, jti } = checked.claims;
            return settle(
              () => core.sessions.checkAccess({ userId, sessionId, jti }),
              (user) => {
                noteUser(requestOf(c), user.username);
                input.user = user;
                input.sessionId = sessionId;
                return undefined;
              },
              rethrow,
            );
          },
        }
      : undefined;

/**
 * gin's ShouldBind into a struct of required strings: a JSON content type, a JSON object, keys matched
 * case-insensitively (the last match wins), string values, none empty. Anything else is a binding failure.
 */
const bind =
  ({ now }: Deps) =>
  (ep: Endpoint): Stage<Input> | undefined => {
    const fields = ep.bind;
    if (!fields) return undefined;
    const unbound = (c: Context) => (ep.envelope === 'openapi' ? openapi(1104, now()) : gateway(10003, langOf(c)));
    return {
      name: 'bind',
      run(input) {
        const { c } = input;
        if (mediaType(c) !== 'application/json') return unbound(c);
        return readJsonBody(c).then((parsed) => {
          if (parsed.kind !== 'json' || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) return unbound(c);
          const out: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(parsed.value)) {
            const field = fields.find((f) => f.toLowerCase() === key.toLowerCase());
            if (field) out[field] = value;
          }
          if (!fields.every((f) => typeof out[f] === 'string' && out[f] !== '')) return unbound(c);
          input.body = out as Record<string, string>;
          return undefined;
        });
      },
    };
  };

/** The gateway's order (see the top of this file). */
export const order = (deps: Deps): StageOrder<Endpoint, Input> => [xToken(deps), bind(deps)];

/** Every route pays for the body limit, whose answer is the route's own "parameters" failure. */
export function endpointsOf(deps: Deps, limitBody: MiddlewareHandler, declared: Endpoint[]): PipelineEndpoint<Input>[] {
  const stages = order(deps);
  return declared.map((ep) => ({ method: ep.method, path: ep.path, stages: stagesFor(stages, ep), handle: ep.handle, ...(ep.errors && { errors: ep.errors }), use: [limitBody] }));
}
