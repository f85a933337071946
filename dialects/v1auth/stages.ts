// v1auth's request order as data: the credential first (401), then the query (400), then the JSON body (400), then
// the endpoint. Every stage but the body's needs no I/O on a cache hit, so bodiless requests stay synchronous.
import type { Context, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { stampOf } from '../../src/core/ports.ts';
import { readJsonBody } from '../../src/http/body.ts';
import { clientIp } from '../../src/http/client-ip.ts';
import { endpointsFrom, schemaStage, type Endpoint as PipelineEndpoint, type ErrorTable, type Reply, type Stage, type StageOrder } from '../../src/http/pipeline.ts';
import { andThen, type Awaitable } from '../../src/http/settle.ts';
import { fail, invalid } from './envelope.ts';
import { authenticate, type Deps, type Principal } from './principal.ts';
import { fieldErrors } from './schemas.ts';

export interface Input<Q, B> {
  c: Context;
  principal: Principal;
  params: Record<string, string>;
  query: Q;
  body: B;
}

type Schema<T> = v.GenericSchema<unknown, T>;

export interface Endpoint<Q = any, B = any> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Anonymous routes (login) set false. */
  auth?: boolean;
  query?: Schema<Q>;
  body?: Schema<B>;
  /** This endpoint's answers to core errors raised by `handle`, before the dialect's table. */
  errors?: ErrorTable;
  handle(input: Input<Q, B>): Awaitable<Reply>;
}

type In = Input<any, any>;

const credential =
  (deps: Deps) =>
  (ep: Endpoint): Stage<In> | undefined =>
    ep.auth === false
      ? undefined
      : {
          name: 'credential',
          run: (input) =>
            andThen(authenticate(deps, input.c), (who) => {
              if ('status' in who) return who;
              input.principal = who;
              return undefined;
            }),
        };

const query = (ep: Endpoint): Stage<In> | undefined =>
  schemaStage('query', ep.query, { read: (input) => input.c.req.query(), keep: (input, value) => void (input.query = value), refuse: (issues) => invalid(fieldErrors(issues)) });

const body = (ep: Endpoint): Stage<In> | undefined => {
  const schema = ep.body;
  return (
    schema && {
      name: 'body',
      run: (input) =>
        readJsonBody(input.c).then((parsed) => {
          if (parsed.kind === 'malformed') return fail(400, '请求体不是合法的JSON');
          // No body is an empty object: optional fields take their defaults, required ones are named.
          const value = parsed.kind === 'json' ? parsed.value : {};
          // valibot's object() lets arrays through; a body must be a JSON object.
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid([{ field: 'body', message: '类型错误' }]);
          const b = v.safeParse(schema, value);
          if (!b.success) return invalid(fieldErrors(b.issues));
          input.body = b.output;
          return undefined;
        }),
    }
  );
};

/** v1auth's order (see the top of this file). */
export const order = (deps: Deps): StageOrder<Endpoint, In> => [credential(deps), query, body];

/** The declarations as pipeline endpoints; routes that take a body pay for its limit, the others do not. */
export const endpointsOf = (deps: Deps, limitBody: MiddlewareHandler, declared: Endpoint[]): PipelineEndpoint<In>[] => endpointsFrom(order(deps), limitBody, declared);

/** A request's input before the stages: the path parameters. */
export const inputOf = (c: Context): In => ({ c, params: c.req.param() as Record<string, string> }) as In;

/** Every answer to a request made with an API key is recorded against the key (in a batch, off the request path). */
export const recordKeyUse =
  ({ core }: Deps) =>
  ({ c, principal }: In, reply: Reply): void => {
    if (principal?.key) core.apiKeys.recordUse({ keyId: principal.key.id, endpoint: c.req.path, status: reply.status, ip: clientIp(c), at: stampOf(core.clock) });
  };
