// Shared pieces of the issue-8 re-probe: the gateway as a child process, an HTTP client that sends what it is
// given (and a raw-socket one for what node:http refuses to send), HS256 signing, a seeded RNG, statistics.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The gateway's source tree: this repository, or PROBE_GATEWAY_ROOT (say a `git archive HEAD` snapshot, when other work is in progress in this tree). */
export const GATEWAY_ROOT = resolve(process.env.PROBE_GATEWAY_ROOT ?? ROOT);
export const DIALECTS = ['fastapi', 'flask', 'v1auth', 'openapi'] as const;
export type Dialect = (typeof DIALECTS)[number];

// ---------------------------------------------------------------------------------------------------------------
// The gateway, a child process on free ports

export interface LogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export class ChildGateway {
  readonly lines: LogLine[] = [];
  readonly ports = {} as Record<Dialect, number>;
  readonly agents = {} as Record<Dialect, http.Agent>;
  private exited: Promise<number | null>;

  private constructor(
    readonly label: string,
    readonly dataDir: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    for (const [stream, input] of [['stdout', child.stdout!], ['stderr', child.stderr!]] as const) {
      createInterface({ input }).on('line', (text) => this.lines.push({ at: Date.now(), stream, text }));
    }
    for (const d of DIALECTS) this.agents[d] = new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** `tsx src/main.ts --data-dir <tmp> --port-* 0 --rate-limits off` (node --import tsx: what the tsx CLI runs). */
  static async start(label: string, extra: string[] = []): Promise<ChildGateway> {
    const dataDir = mkdtempSync(join(tmpdir(), `dg-probe-${label}-`));
    const args = ['--import', 'tsx', 'src/main.ts', '--data-dir', dataDir, ...DIALECTS.flatMap((d) => [`--port-${d}`, '0']), '--rate-limits', 'off', ...extra];
    const child = spawn(process.execPath, args, { cwd: GATEWAY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const gw = new ChildGateway(label, dataDir, child);
    const t0 = Date.now();
    while (!gw.lines.some((l) => l.text.startsWith('ready in'))) {
      if (child.exitCode !== null) throw new Error(`gateway ${label} exited: ${gw.lines.map((l) => l.text).join('\n')}`);
      if (Date.now() - t0 > 60_000) throw new Error(`gateway ${label} not ready after 60 s`);
      await sleep(20);
    }
    for (const d of DIALECTS) {
      const line = gw.lines.find((l) => l.text.startsWith(`${d} `));
      gw.ports[d] = Number(/:(\d+)\s*$/.exec(line!.text)![1]);
    }
    return gw;
  }

  get pid(): number {
    return this.child.pid!;
  }

  secrets(): Record<Dialect, Buffer> {
    const raw = JSON.parse(readFileSync(join(this.dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    return Object.fromEntries(DIALECTS.map((d) => [d, Buffer.from(raw[d]!, 'base64url')])) as Record<Dialect, Buffer>;
  }

  /** Lines (both streams) containing "unhandled", from index `from` on. */
  unhandled(from = 0): LogLine[] {
    return this.lines.slice(from).filter((l) => l.text.includes('unhandled'));
  }

  /**
   * Over the keep-alive pool; a request whose reused socket was reset before any answer (node's client can
   * lose that race) is sent once more on a fresh connection, and says so (`retried`).
   */
  async send(d: Dialect, req: Omit<SendOptions, 'port' | 'agent'>): Promise<Res> {
    const first = await send({ ...req, port: this.ports[d], agent: this.agents[d] });
    if (first.status !== -1 || !/ECONNRESET|EPIPE|socket hang up/.test(first.error ?? '')) return first;
    const again = await send({ ...req, port: this.ports[d], agent: false });
    return { ...again, retried: first.error };
  }

  async stop(): Promise<number | null> {
    for (const a of Object.values(this.agents)) a.destroy();
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(10_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      return null;
    }
    return code;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

export interface SendOptions {
  port: number;
  agent?: http.Agent | false;
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  timeoutMs?: number;
}

export interface Res {
  status: number; // -1: no answer (error says why)
  headers: IncomingHttpHeaders;
  body: Buffer;
  ms: number;
  error?: string;
  /** The error of a first try on a reused keep-alive socket, when the request had to be sent again. */
  retried?: string;
}

export function send(o: SendOptions): Promise<Res> {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    let done = false;
    const finish = (r: Omit<Res, 'ms'>) => {
      if (done) return;
      done = true;
      resolvePromise({ ...r, ms: performance.now() - t0 });
    };
    const headers: Record<string, string | string[]> = { ...(o.headers ?? {}) };
    const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
    const hasLength = Object.keys(headers).some((k) => k.toLowerCase() === 'content-length');
    if (body !== undefined && !o.chunked && !hasLength) headers['content-length'] = String(body.length);
    let req: http.ClientRequest;
    try {
      req = http.request({ host: '127.0.0.1', port: o.port, method: o.method, path: o.path, headers, agent: o.agent ?? undefined });
    } catch (e) {
      finish({ status: -1, headers: {}, body: Buffer.alloc(0), error: `client refused: ${(e as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      req.destroy(new Error('probe timeout'));
    }, o.timeoutMs ?? 60_000);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        finish({ status: res.statusCode ?? -1, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        finish({ status: res.statusCode ?? -1, headers: res.headers, body: Buffer.concat(chunks), error: e.message });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      finish({ status: -1, headers: {}, body: Buffer.alloc(0), error: e.code ?? e.message });
    });
    if (body !== undefined && body.length > 0) {
      if (o.chunked) {
        // a few chunks, so a streamed body really is streamed
        const step = Math.max(1, Math.ceil(body.length / 3));
        for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
      } else req.write(body);
    }
    req.end();
  });
}

export const json = (r: Res): any => {
  try {
    return JSON.parse(r.body.toString('utf8'));
  } catch {
    return undefined;
  }
};

export interface RawRes {
  status: number; // -1: closed without a status line; -2: no answer within the time limit
  text: string;
  ms: number;
}

/** Writes bytes to a fresh socket; the status of the first answer, or why there was none. */
export function sendRaw(port: number, bytes: Buffer, giveUpMs = 4000): Promise<RawRes> {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolvePromise({ status: m ? Number(m[1]) : timedOut ? -2 : -1, text, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish(true), giveUpMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // one complete answer is enough (Connection: close is asked for, but pipelined requests may keep it open)
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head >= 0) {
        const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
        if (len && text.length - head - 4 >= Number(len[1])) finish(false);
      }
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('connect', () => socket.write(bytes));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// JWT

export const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A JWT from the exact header and payload texts (so odd JSON survives), signed with `key` (none: empty signature). */
export function signRaw(headerText: string, payloadText: string, key: Buffer | null, alg: 'HS256' | 'HS512' | 'none' = 'HS256'): string {
  const input = `${b64u(headerText)}.${b64u(payloadText)}`;
  if (alg === 'none' || key === null) return `${input}.`;
  const mac = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', key).update(input).digest();
  return `${input}.${b64u(mac)}`;
}

export const HS256_HEADER = '{"alg":"HS256","typ":"JWT"}';
export const sign = (claims: Record<string, unknown>, key: Buffer, alg: 'HS256' | 'HS512' | 'none' = 'HS256') =>
  signRaw(JSON.stringify({ alg, typ: 'JWT' }), JSON.stringify(claims), alg === 'none' ? null : key, alg);

export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** The openapi dialect signs with two keys derived from its secret (dialects/openapi/tokens.ts). */
export const openapiKey = (secret: Buffer, purpose: 'access' | 'refresh') => createHmac('sha256', secret).update(`openapi:${purpose}`).digest();

export const randomKey = () => randomBytes(32);

// ---------------------------------------------------------------------------------------------------------------
// Small things

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { rng, type Rng } from '../../helpers/json-corpus.ts';

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
export const median = (xs: number[]) => quantile(xs, 0.5);
export const r2 = (x: number) => Math.round(x * 100) / 100;

/** Runs `tasks` with at most `n` in flight. */
export async function pool<T>(n: number, count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export const preview = (b: Buffer | string | undefined, n = 240): string => {
  if (b === undefined) return '';
  const s = typeof b === 'string' ? b : b.toString('latin1');
  const shown = s.length > n ? `${s.slice(0, n)}…(+${s.length - n})` : s;
  return JSON.stringify(shown);
};
