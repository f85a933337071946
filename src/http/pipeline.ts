// One request pipeline for every dialect (architecture.md, "One pipeline"). An endpoint is data: method, path,
// ordered stages, handler and error overrides; `mountEndpoints` runs it and derives the 404/405 answers from the same
// table. A stage or handler answers a value when it needs no I/O and a promise when it does; the pipeline goes on
// either way without making a value asynchronous, so a request that needs no I/O is answered without any promise.
import type { Context, Handler, Hono, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { isCoreError, type CoreError, type ErrorKind } from '../core/errors.ts';
import { requestOf } from './body.ts';
import { coreDenial, noteDenial, type Denial } from './decisions.ts';
import { answerMiss, routeTable, type Misses, type RouteTable } from './misses.ts';
import type { Awaitable } from './settle.ts';

export type { Misses, RouteTable } from './misses.ts';
export { requestOf } from './body.ts';

/** One answer in any dialect's envelope; the dialect's `respond` turns it into a Response with its transport headers. */
export interface Reply {
  status: number;
  /** null: no body. */
  body: string | null;
  /** Absent: the dialect's own, or none for a bodiless answer. */
  contentType?: string;
  /** Headers beyond the content type and the dialect's transport headers (Allow, Location …). */
  headers?: Record<string, string>;
  /** Why the dialect refused the request itself (never sent): the pipeline notes it for the journal. */
  denial?: Denial;
}

/** `reply`, noted as a denial of `kind` when it is answered: `deny(fail(403, …), 'forbidden', {reason: 'no_role'})`. */
export const deny = (reply: Reply, kind: string, details: Record<string, unknown> = {}): Reply => ({ ...reply, denial: { kind, details } });

/** An answer to a core error: a Reply, or a function of the error (undefined: not this entry's, ask the next table). */
export type ErrorAnswer = Reply | ((e: CoreError, c: Context) => Reply | undefined);
/** Core error kind → answer; `default` answers the kinds the table does not name. */
export type ErrorTable = { readonly [K in ErrorKind | 'default']?: ErrorAnswer };

/** What every endpoint's input carries; a dialect's input adds what its stages find (user, query, body …). */
export interface Input {
  c: Context;
}

/** One step before the handler: it fills the input, or answers (a Reply ends the request there). */
export interface Stage<In extends Input = Input> {
  readonly name: string;
  run(input: In): Awaitable<Reply | undefined>;
  /** Answers to core errors raised by this stage; before the dialect's table (the endpoint's are not asked). */
  readonly errors?: ErrorTable;
}

/**
 * A stage that checks one part of the request against the endpoint's schema (none: no stage) and keeps the output,
 * or answers the dialect's validation error: the query and body stages of every dialect.
 */
export function schemaStage<In extends Input, T>(
  name: string,
  schema: v.GenericSchema<unknown, T> | undefined,
  part: { read(input: In): unknown; keep(input: In, value: T): void; refuse(issues: v.BaseIssue<unknown>[]): Reply },
): Stage<In> | undefined {
  return (
    schema && {
      name,
      run(input) {
        const checked = v.safeParse(schema, part.read(input));
        if (!checked.success) return part.refuse(checked.issues);
        part.keep(input, checked.output);
        return undefined;
      },
    }
  );
}

export interface Endpoint<In extends Input = Input> {
  readonly method: string;
  /** Hono's path syntax (`/users/:id`). */
  readonly path: string;
  readonly stages: readonly Stage<In>[];
  handle(input: In): Awaitable<Reply>;
  /** Answers to core errors raised by the handler; before the dialect's table. */
  readonly errors?: ErrorTable;
  /** Hono middleware in front of the pipeline: the body limit, mounted only where it is needed. */
  readonly use?: readonly MiddlewareHandler[];
}

/** A dialect's stage order as data: each entry gives the stage an endpoint declaration needs, or nothing. */
export type StageOrder<Decl, In extends Input> = readonly ((decl: Decl) => Stage<In> | undefined)[];

export const stagesFor = <Decl, In extends Input>(order: StageOrder<Decl, In>, decl: Decl): Stage<In>[] =>
  order.map((make) => make(decl)).filter((s): s is Stage<In> => s !== undefined);

/** What a dialect declares of an endpoint beyond its stages' own fields. */
export interface Declared<In extends Input> {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly errors?: ErrorTable;
  handle(input: In): Awaitable<Reply>;
}

/** Declarations as pipeline endpoints, each with the dialect's stages in its order; a route that takes a body pays for its limit. */
export const endpointsFrom = <Decl extends Declared<In>, In extends Input>(order: StageOrder<Decl, In>, limitBody: MiddlewareHandler, declared: Decl[]): Endpoint<In>[] =>
  declared.map((ep) => ({
    method: ep.method,
    path: ep.path,
    stages: stagesFor(order, ep),
    handle: ep.handle,
    ...(ep.errors && { errors: ep.errors }),
    ...(ep.body !== undefined && { use: [limitBody] }),
  }));

const pick = (answer: ErrorAnswer | undefined, e: CoreError, c: Context): Reply | undefined =>
  typeof answer === 'function' ? answer(e, c) : answer;
const lookup = (table: ErrorTable | undefined, e: CoreError, c: Context): Reply | undefined =>
  table && (pick(table[e.kind], e, c) ?? pick(table.default, e, c));

/**
 * A core error as the answer of the first table that has one: the stage's or the endpoint's own (its kind, then its
 * default), then the dialect's (its kind, then its default). It is noted as the request's denial first, whatever it
 * is answered with. Anything else, or a core error no table answers, is rethrown: the app's error handler's (500).
 */
function answerError(e: unknown, c: Context, own: ErrorTable | undefined, dialect: ErrorTable): Reply {
  if (!isCoreError(e)) throw e;
  const denial = coreDenial(e);
  noteDenial(requestOf(c), denial.kind, denial.details);
  const reply = lookup(own, e, c) ?? lookup(dialect, e, c);
  if (reply === undefined) throw e;
  return reply;
}

/** Runs the stages from `from`, then the handler; synchronous for as long as each step answers a value. */
export function runEndpoint<In extends Input>(ep: Endpoint<In>, input: In, dialect: ErrorTable, from = 0): Awaitable<Reply> {
  const { stages } = ep;
  for (let i = from; i < stages.length; i++) {
    const stage = stages[i]!;
    let out: Awaitable<Reply | undefined>;
    try {
      out = stage.run(input);
    } catch (e) {
      return answerError(e, input.c, stage.errors, dialect);
    }
    if (out === undefined) continue;
    if (out instanceof Promise) {
      return out.then(
        (reply) => reply ?? runEndpoint(ep, input, dialect, i + 1),
        (e) => answerError(e, input.c, stage.errors, dialect),
      );
    }
    return out;
  }
  let out: Awaitable<Reply>;
  try {
    out = ep.handle(input);
  } catch (e) {
    return answerError(e, input.c, ep.errors, dialect);
  }
  return out instanceof Promise ? out.catch((e) => answerError(e, input.c, ep.errors, dialect)) : out;
}

/** What the pipeline needs of a dialect besides its endpoints. */
export interface DialectPipeline<In extends Input> {
  /** For the log line of an unhandled error. */
  name: string;
  /** The dialect's error table (its `errors.ts`). */
  errors: ErrorTable;
  misses: Misses;
  /** The answer to an unhandled error (500). */
  internalError(c: Context): Reply;
  /** Turns a Reply into the Response with the dialect's transport headers. */
  respond(c: Context, reply: Reply): Response;
  /** A fresh input for a request (default `{c}`); the stages fill the rest. */
  input?(c: Context): In;
  /** Middleware in front of every route and of the misses (flask's body limit: an oversized body is 413 anywhere). */
  use?: readonly MiddlewareHandler[];
  /** Told of every answer the pipeline gives an endpoint (v1auth records API-key use), before it is sent. */
  answered?(input: In, reply: Reply): void;
}

/**
 * Registers each endpoint on `app` (a route per method and path, so a request pays only for its own endpoint's
 * stages), the 404/405 answers of the same table, and the 500 answer. Returns the table.
 */
export function mountEndpoints<In extends Input>(app: Hono, endpoints: readonly Endpoint<In>[], d: DialectPipeline<In>): RouteTable {
  const makeInput = d.input ?? ((c: Context) => ({ c }) as In);
  const on = app.on as (method: string, path: string, ...handlers: (MiddlewareHandler | Handler)[]) => Hono; // Hono's own arrow
  if (d.use?.length) app.use(...d.use);
  for (const ep of endpoints) {
    const finish = (input: In, reply: Reply): Response => {
      if (reply.denial) noteDenial(requestOf(input.c), reply.denial.kind, reply.denial.details);
      d.answered?.(input, reply);
      return d.respond(input.c, reply);
    };
    const handler = (c: Context) => {
      const input = makeInput(c);
      const out = runEndpoint(ep, input, d.errors);
      return out instanceof Promise ? out.then((reply) => finish(input, reply)) : finish(input, out);
    };
    on(ep.method, ep.path, ...(ep.use ?? []), handler);
  }
  const table = routeTable(endpoints);
  app.notFound((c) => {
    const miss = answerMiss(c, table, d.misses);
    return miss instanceof Response ? miss : d.respond(c, miss);
  });
  app.onError((err, c) => {
    console.error(`${d.name}: unhandled ${err.name}: ${err.message}`);
    return d.respond(c, d.internalError(c));
  });
  return table;
}
