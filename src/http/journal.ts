// The request journal (control-plane.md §4, "Journal") [WireMock]: every dialect-port request of one tenant, the
// newest `limit` kept, bodies up to `bodyLimit` bytes, who made it (the pipeline's noteUser), why the core refused
// it (noteDenial) and which fault rule hit it. Redaction happens when an entry is read (redact.ts), so recording
// costs a header reference and the body bytes; nothing read through the plane ever holds a secret. Off, the layer
// returns what the next one returned: no promise added, no Request clone. On, a bodiless request answered
// synchronously from memory stays synchronous too (node-response.ts).
import type { IncomingMessage } from 'node:http';
import { denialOf, userOf, type Denial } from './decisions.ts';
import { explainDenial, type Explanation } from './explain.ts';
import { faultOf } from './faults.ts';
import { pathOf, queryOf, type Fetch, type Layer } from './listener.ts';
import { DEFAULT_CONTENT_TYPE, peekResponse } from './node-response.ts';
import { compilePathPattern, PatternError } from './path-pattern.ts';
import { redactBodyText, redactCredentials, redactForm, redactHeader } from './redact.ts';

export const JOURNAL_LIMIT = 1000;
export const BODY_LIMIT = 64 * 1024;
export const LIST_DEFAULT = 100;
export const LIST_MAX = 1000;

export interface JournalOptions {
  /** Entries kept (the oldest go first). */
  limit?: number;
  /** Bytes of each body kept; the rest is cut (`truncated: true`). */
  bodyLimit?: number;
  /** The wall clock of `at` (Date.now); waits and durations are real time anyway. */
  now?: () => number;
  enabled?: boolean;
}

export interface RecordedBody {
  headers: Record<string, string>;
  body: string;
  encoding: 'utf8' | 'base64';
  truncated: boolean;
}

export interface JournalSummary {
  id: number;
  at: string;
  dialect: string;
  method: string;
  /** The path as sent, without the query. */
  path: string;
  /** null: a fault reset the connection, so no status was sent. */
  status: number | null;
  duration_ms: number;
  user: string | null;
  /** The kind of the core denial noted for the request (explain has the rest). */
  decision: string | null;
  /** The id of the fault rule that hit the request. */
  fault: string | null;
}

export interface JournalEntry extends JournalSummary {
  /** `query` is the query string without `?`, redacted like a form body. */
  request: RecordedBody & { query: string };
  response: RecordedBody;
}

export interface JournalFilter {
  dialect?: string;
  method?: string;
  /** A path pattern (path-pattern.ts). */
  path?: string;
  /** `401`, or a class such as `4xx`. */
  status?: string | number;
  user?: string;
  /** Wall time (epoch ms): entries at or after it. */
  since?: number;
  /** An id: entries after it (exclusive). */
  after?: number;
  /** The newest this many (default 100, at most 1000); for list only. */
  limit?: number;
}

/** A filter the journal cannot apply (a malformed path pattern or status); the plane answers 400. */
export class InvalidFilterError extends Error {
  override name = 'InvalidFilterError';
}

export interface Journal {
  readonly layer: Layer;
  /** Off: requests pass untouched and nothing is recorded; what was recorded stays. */
  enabled: boolean;
  /** Summaries, oldest first, the newest `filter.limit` of the matches. */
  list(filter?: JournalFilter): JournalSummary[];
  /** How many entries match (every match: `limit` is ignored). */
  count(filter?: JournalFilter): number;
  get(id: number): JournalEntry | undefined;
  /** The noted denial of the entry, explained; undefined when the entry is gone or had none. */
  explain(id: number): Explanation | undefined;
  /** Forgets every entry; ids go on rising, so an `after` cursor stays valid. */
  clear(): void;
}

/** Headers as they came: the node request's own object, a Headers, or what a Response was constructed with. */
type RawHeaders = IncomingMessage['headers'] | HeadersInit;

/** A body as recorded: bytes, or the string a response was made of (UTF-8 by construction, encoded only if read). */
interface Body {
  bytes?: Uint8Array;
  text?: string;
  truncated: boolean;
}

interface Entry {
  id: number;
  at: number;
  dialect: string;
  method: string;
  url: string;
  status: number | null;
  durationMs: number;
  user: string | null;
  denial: Denial | undefined;
  fault: string | null;
  requestHeaders: RawHeaders;
  requestBody: Body;
  responseHeaders: RawHeaders | undefined;
  responseBody: Body;
}

const EMPTY: Body = { text: '', truncated: false };

/** A body handed over whole (a lightweight response's): kept as it is when it cannot be over the limit. */
function keep(body: string | Uint8Array | null, limit: number): Body {
  if (body === null) return EMPTY;
  if (typeof body === 'string') {
    if (body.length * 3 <= limit) return { text: body, truncated: false }; // at most 3 UTF-8 bytes per UTF-16 unit
    const bytes = Buffer.from(body);
    return bytes.byteLength > limit ? { bytes: bytes.subarray(0, limit), truncated: true } : { text: body, truncated: false };
  }
  return body.byteLength > limit ? { bytes: body.slice(0, limit), truncated: true } : { bytes: body, truncated: false };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading bodies without taking them from their reader

interface Collected {
  chunks: Uint8Array[];
  total: number;
  done: boolean;
}

/** Reads until the stream ends or more than `limit` bytes have come; `into` shows the progress as it goes. */
async function collect(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number, into: Collected): Promise<Collected> {
  while (into.total <= limit) {
    const { done, value } = await reader.read();
    if (done) {
      into.done = true;
      break;
    }
    into.chunks.push(value);
    into.total += value.byteLength;
  }
  return into;
}

const concat = (chunks: Uint8Array[], total: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
};

const cut = (c: Collected, limit: number): Body => {
  const bytes = concat(c.chunks, c.total);
  return { bytes: bytes.byteLength > limit ? bytes.subarray(0, limit) : bytes, truncated: !c.done || c.total > limit };
};

const incomingOf = (env: unknown) => (env as { incoming?: IncomingMessage } | undefined)?.incoming;

/** Whether a request carries a body, judged without building the node server's full Request when it can be. */
function hasBody(request: Request, incoming: IncomingMessage | undefined): boolean {
  const method = request.method;
  if (method === 'GET' || method === 'HEAD') return false;
  if (!incoming) return request.body !== null;
  const length = incoming.headers['content-length'];
  return incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The request body from a clone (the dialect reads the original). Once the answer is ready, a body the client is
 * still sending is not waited for: what has come is kept, marked truncated.
 */
function recordRequestBody(request: Request, incoming: IncomingMessage | undefined, limit: number): () => Promise<Body> {
  const stream = request.clone().body;
  if (!stream) return async () => EMPTY;
  const reader = stream.getReader();
  const progress: Collected = { chunks: [], total: 0, done: false };
  const reading = collect(reader, limit, progress).catch(() => progress); // a client gone mid-body: what came
  return async () => {
    if (incoming && !incoming.complete && !progress.done) {
      reader.cancel().catch(() => {});
      return { ...cut(progress, limit), truncated: true };
    }
    const got = await reading;
    if (!got.done) reader.cancel().catch(() => {});
    return cut(got, limit);
  };
}

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The response body, read up to the limit, and the response to send: the same status and headers over the bytes
 * read (a body that goes on past the limit is streamed on from where the reading stopped).
 */
async function recordResponse(response: Response, limit: number): Promise<{ response: Response; body: Body }> {
  // These carry no body; reading one the handler gave anyway would throw, and take the response with it.
  if (NO_BODY.has(response.status)) return { response, body: EMPTY };
  const stream = response.body;
  if (stream === null) return { response, body: EMPTY };
  const reader = stream.getReader();
  const got = await collect(reader, limit, { chunks: [], total: 0, done: false });
  const bytes = concat(got.chunks, got.total);
  const rest = got.done
    ? bytes
    : new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
        },
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      });
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  return { response: new Response(rest as BodyInit, init), body: { bytes: bytes.byteLength > limit ? bytes.subarray(0, limit) : bytes, truncated: !got.done || got.total > limit } };
}

// ---------------------------------------------------------------------------------------------------------------
// Views (redacted on the way out)

/** Names lower-cased, repeated headers joined (set-cookie too: it is redacted anyway). */
function plainHeaders(raw: RawHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  const add = (name: string, value: string) => {
    const k = name.toLowerCase();
    out[k] = k in out ? `${out[k]}, ${value}` : value;
  };
  if (raw instanceof Headers) raw.forEach((value, name) => add(name, value));
  else if (Array.isArray(raw)) for (const [name, value] of raw) add(name!, value!);
  else for (const [name, value] of Object.entries(raw)) if (value !== undefined) add(name, Array.isArray(value) ? value.join(', ') : value);
  return out;
}

const headersView = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, redactHeader(name, value)]));

function bodyView(body: Body, raw: RawHeaders | undefined): RecordedBody {
  const headers = plainHeaders(raw);
  const type = headers['content-type'] ?? '';
  const { truncated } = body;
  if (body.text !== undefined) return { headers: headersView(headers), body: redactBodyText(body.text, type), encoding: 'utf8', truncated };
  const bytes = body.bytes!;
  let text: string | undefined;
  try {
    // A cut body may end inside a character: a streaming decode leaves that tail out rather than failing (and the
    // decoder, holding the tail, is dropped).
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
  } catch {
    text = undefined;
  }
  if (text !== undefined) return { headers: headersView(headers), body: redactBodyText(text, type), encoding: 'utf8', truncated };
  // Binary: keys and JWTs are ASCII, so they are found (and replaced) in the latin1 reading of the bytes.
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return { headers: headersView(headers), body: Buffer.from(redactCredentials(latin1), 'latin1').toString('base64'), encoding: 'base64', truncated };
}

const ms3 = (x: number) => Math.round(x * 1000) / 1000;

const summaryOf = (e: Entry): JournalSummary => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  dialect: e.dialect,
  method: e.method,
  path: pathOf(e.url),
  status: e.status,
  duration_ms: ms3(e.durationMs),
  user: e.user,
  decision: e.denial?.kind ?? null,
  fault: e.fault,
});

// ---------------------------------------------------------------------------------------------------------------
// Filters

function statusMatcher(status: string | number): (s: number | null) => boolean {
  const t = String(status).toLowerCase();
  if (/^[1-5]\d\d$/.test(t)) {
    const n = Number(t);
    return (s) => s === n;
  }
  if (/^[1-5]xx$/.test(t)) {
    const hundreds = Number(t[0]);
    return (s) => s !== null && Math.floor(s / 100) === hundreds;
  }
  throw new InvalidFilterError(`status must be a status such as 401 or a class such as 4xx, got ${JSON.stringify(String(status))}`);
}

function matcher(f: JournalFilter): (e: Entry) => boolean {
  let path: ((p: string) => boolean) | undefined;
  if (f.path !== undefined) {
    try {
      path = compilePathPattern(f.path);
    } catch (e) {
      if (e instanceof PatternError) throw new InvalidFilterError(e.message);
      throw e;
    }
  }
  const status = f.status === undefined ? undefined : statusMatcher(f.status);
  const method = f.method?.toUpperCase();
  return (e) =>
    (f.after === undefined || e.id > f.after) &&
    (f.since === undefined || e.at >= f.since) &&
    (f.dialect === undefined || e.dialect === f.dialect) &&
    (method === undefined || e.method === method) &&
    (f.user === undefined || e.user === f.user) &&
    (status === undefined || status(e.status)) &&
    (path === undefined || path(pathOf(e.url)));
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * One request through the layer: what is known when it arrives, then its answer. A synchronous answer the server
 * can write from memory (peekResponse) is recorded and returned as it is, synchronously, when there is no request
 * body to read; anything else is read on the way. One object per request, its steps on the prototype: the hot path
 * allocates no closures.
 */
class Exchange {
  private readonly t0 = performance.now();
  private readonly incoming: IncomingMessage | undefined;
  private readonly requestBody: (() => Promise<Body>) | undefined;

  constructor(
    private readonly push: (entry: Entry) => void,
    private readonly bodyLimit: number,
    private readonly dialect: string,
    private readonly request: Request,
    private readonly env: unknown,
    private readonly at: number,
  ) {
    this.incoming = incomingOf(env);
    this.requestBody = hasBody(request, this.incoming) ? recordRequestBody(request, this.incoming, bodyLimit) : undefined;
  }

  run(next: Fetch, ctx: unknown): Response | Promise<Response> {
    let answered: Response | Promise<Response>;
    try {
      answered = next(this.request, this.env, ctx);
    } catch (e) {
      return this.fail(e);
    }
    return answered instanceof Promise ? answered.then((r) => this.settle(r), (e) => this.fail(e)) : this.settle(answered);
  }

  private settle(answered: Response): Response | Promise<Response> {
    if (faultOf(this.request)?.reset) return this.done(answered, null, undefined, EMPTY);
    const peeked = peekResponse(answered);
    if (peeked) {
      const headers = peeked.headers ?? (peeked.body === null ? undefined : { 'content-type': DEFAULT_CONTENT_TYPE });
      return this.done(answered, peeked.status, headers, keep(peeked.body, this.bodyLimit));
    }
    return recordResponse(answered, this.bodyLimit).then(({ response, body }) => this.done(response, response.status, answered.headers, body));
  }

  private done(response: Response, status: number | null, headers: RawHeaders | undefined, body: Body): Response | Promise<Response> {
    if (!this.requestBody) {
      this.push(this.entry(status, headers, body, EMPTY));
      return response;
    }
    return this.requestBody().then((sent) => {
      this.push(this.entry(status, headers, body, sent));
      return response;
    });
  }

  /** A fetch that throws is answered 500 by the node server: recorded so, and the error goes on. */
  private async fail(e: unknown): Promise<never> {
    this.push(this.entry(500, undefined, EMPTY, this.requestBody ? await this.requestBody() : EMPTY));
    throw e;
  }

  private entry(status: number | null, responseHeaders: RawHeaders | undefined, responseBody: Body, requestBody: Body): Entry {
    const { request, incoming } = this;
    return {
      id: 0,
      at: this.at,
      dialect: this.dialect,
      method: request.method,
      url: request.url,
      status,
      durationMs: performance.now() - this.t0,
      user: userOf(request) ?? null,
      denial: denialOf(request),
      fault: faultOf(request)?.rule ?? null,
      requestHeaders: incoming ? incoming.headers : request.headers,
      requestBody,
      responseHeaders,
      responseBody,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------

export function createJournal(opts: JournalOptions = {}): Journal {
  const limit = opts.limit ?? JOURNAL_LIMIT;
  const bodyLimit = opts.bodyLimit ?? BODY_LIMIT;
  const now = opts.now ?? Date.now;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`journal limit must be a whole number of at least 1, got ${limit}`);
  // A ring: `ring[(start + i) % limit]` is the i-th oldest of `size` entries, whose ids are consecutive.
  const ring: (Entry | undefined)[] = new Array(limit);
  let start = 0;
  let size = 0;
  let lastId = 0;

  /** Gives the entry its id and keeps it, the oldest going once the ring is full. */
  const push = (entry: Entry) => {
    entry.id = ++lastId;
    if (size < limit) ring[(start + size++) % limit] = entry;
    else {
      ring[start] = entry;
      start = (start + 1) % limit;
    }
  };

  function* entries(): Generator<Entry> {
    for (let i = 0; i < size; i++) yield ring[(start + i) % limit]!;
  }

  const find = (id: number): Entry | undefined => {
    if (size === 0) return undefined;
    const i = id - ring[start]!.id;
    return Number.isInteger(i) && i >= 0 && i < size ? ring[(start + i) % limit] : undefined;
  };

  const journal: Journal = {
    enabled: opts.enabled ?? true,
    layer: (dialect, next) => (request, env, ctx) => (journal.enabled ? new Exchange(push, bodyLimit, dialect, request, env, now()).run(next, ctx) : next(request, env, ctx)),
    list(filter = {}) {
      const n = filter.limit ?? LIST_DEFAULT;
      if (!Number.isSafeInteger(n) || n < 1 || n > LIST_MAX) throw new InvalidFilterError(`limit must be a whole number from 1 to ${LIST_MAX}`);
      const matches = matcher(filter);
      const out: JournalSummary[] = [];
      for (const e of entries()) if (matches(e)) out.push(summaryOf(e));
      return out.length > n ? out.slice(-n) : out;
    },
    count(filter = {}) {
      const matches = matcher(filter);
      let n = 0;
      for (const e of entries()) if (matches(e)) n++;
      return n;
    },
    get(id) {
      const e = find(id);
      if (!e) return undefined;
      const query = queryOf(e.url);
      return {
        ...summaryOf(e),
        request: { ...bodyView(e.requestBody, e.requestHeaders), query: redactForm(query) },
        response: bodyView(e.responseBody, e.responseHeaders),
      };
    },
    explain(id) {
      const denial = find(id)?.denial;
      return denial ? explainDenial(denial) : undefined;
    },
    clear() {
      ring.fill(undefined);
      start = size = 0;
    },
  };
  return journal;
}
