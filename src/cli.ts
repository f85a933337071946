#!/usr/bin/env node
// The `dialectgate` command (control-plane.md §6). `serve` (the default) starts the gateway (src/main.ts); reset,
// snapshot, clock and outbox are HTTP clients of the admin plane: JSON on stdout; exit 1 on an API error
// (`dialectgate: <code>: <message>` on stderr), 2 on a usage error, 3 when the admin plane cannot be reached.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closest, helpText } from './config.ts';
import { packageVersion } from './package.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8900';

const CLIENT_HELP = `Commands (clients of the admin plane; the answer's JSON on stdout):
  reset [--fixtures <name|file>] [--keep journal,faults,clock]
                           replace the tenant's store with a fixture set (default: the configured one)
  snapshot create [--name <name>] | list | get <id> | restore <id> [--keep …] | delete <id>
           download <id> [--out <file>] (the SQLite bytes; stdout without --out) | upload <file> [--name <name>]
  clock [get] | set <instant> | advance <duration> | freeze [<instant>] | resume | reset   [--scope policy|all]
                           instants ISO 8601 or epoch ms; durations ms or ISO 8601 (PT4H1S)
  outbox [list] [--to <addr>] [--kind <kind>] [--since <instant>] [--after <id>]
         wait [--to …] [--kind …] [--since …] [--after …] [--timeout-ms <n>] (the newest match; 408 after the wait)
         clear

Client options:
  --admin-url <url>        the admin plane (DIALECTGATE_ADMIN_URL, default ${DEFAULT_ADMIN_URL})
  --admin-token <token>    sent as Authorization: Bearer (DIALECTGATE_ADMIN_TOKEN; needed beyond loopback)
  --tenant <id>            sent as X-Dialectgate-Tenant (default: the default tenant)

Exit codes: 0 done, 1 the admin plane answered an error, 2 usage or configuration error, 3 admin plane unreachable.`;

const SERVE_HELP = helpText.replace(/^Usage: .*\n\n?/, '');

export const usage = `Usage: dialectgate [serve] [options]      start the gateway (the default command)
       dialectgate <command> [arguments] [client options]
       dialectgate --version | --help

${CLIENT_HELP}

Options of serve:
${SERVE_HELP}`;

interface Io {
  out: (chunk: string | Uint8Array) => void;
  err: (line: string) => void;
}
const processIo: Io = { out: (c) => void process.stdout.write(c), err: (l) => void process.stderr.write(`${l}\n`) };

class UsageError extends Error {}

type Flag = 'fixtures' | 'keep' | 'name' | 'out' | 'scope' | 'to' | 'kind' | 'since' | 'after' | 'timeout-ms';
type Values = Partial<Record<Flag, string>>;

/** One admin-plane call: the request a command line makes. */
interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  json?: Record<string, unknown>;
  bytes?: Uint8Array;
  /** Where binary answers go (`snapshot download --out`); stdout when absent. */
  out?: string;
  timeoutMs?: number;
}

interface Sub {
  /** Positional arguments after the subcommand: names (a trailing `?` marks an optional one). */
  args: string[];
  flags: Flag[];
  call: (a: string[], v: Values) => Call;
}

/** A number when it is all digits (epoch ms, ms, ids), else the string (ISO 8601). */
const numOrString = (s: string): number | string => (/^\d+$/.test(s) ? Number(s) : s);
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
const seg = encodeURIComponent;

/** `--fixtures`: a name (the admin plane resolves it), or a file sent as the object it holds. */
function fixturesArg(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  if (/^[A-Za-z0-9_-]{1,64}$/.test(s)) return s;
  let text: string;
  try {
    text = readFileSync(s, 'utf8');
  } catch (e) {
    throw new UsageError(`--fixtures: cannot read ${s}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--fixtures: ${s} is not JSON: ${(e as Error).message}`);
  }
}

const outboxFilter = (v: Values) => defined({ to: v.to, kind: v.kind, since: v.since, after: v.after });
const clockPost = (what: string, body: Record<string, unknown>, v: Values): Call => ({ method: 'POST', path: `/__admin/clock/${what}`, json: defined({ ...body, scope: v.scope }) });

const COMMANDS: Record<string, { default?: string; subs: Record<string, Sub> }> = {
  reset: {
    default: '',
    subs: { '': { args: [], flags: ['fixtures', 'keep'], call: (_a, v) => ({ method: 'POST', path: '/__admin/reset', json: defined({ fixtures: fixturesArg(v.fixtures), keep: v.keep === undefined ? undefined : list(v.keep) }) }) } },
  },
  snapshot: {
    subs: {
      create: { args: [], flags: ['name'], call: (_a, v) => ({ method: 'POST', path: '/__admin/snapshots', json: defined({ name: v.name }) }) },
      list: { args: [], flags: [], call: () => ({ method: 'GET', path: '/__admin/snapshots' }) },
      get: { args: ['id'], flags: [], call: ([id]) => ({ method: 'GET', path: `/__admin/snapshots/${seg(id!)}` }) },
      restore: { args: ['id'], flags: ['keep'], call: ([id], v) => ({ method: 'POST', path: `/__admin/snapshots/${seg(id!)}/restore`, json: defined({ keep: v.keep === undefined ? undefined : list(v.keep) }) }) },
      delete: { args: ['id'], flags: [], call: ([id]) => ({ method: 'DELETE', path: `/__admin/snapshots/${seg(id!)}` }) },
      download: { args: ['id'], flags: ['out'], call: ([id], v) => ({ method: 'GET', path: `/__admin/snapshots/${seg(id!)}/bytes`, out: v.out }) },
      upload: {
        args: ['file'],
        flags: ['name'],
        call: ([file], v) => {
          let bytes: Uint8Array;
          try {
            bytes = readFileSync(file!);
          } catch (e) {
            throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
          }
          return { method: 'POST', path: '/__admin/snapshots', query: defined({ name: v.name }) as Record<string, string>, bytes };
        },
      },
    },
  },
  clock: {
    default: 'get',
    subs: {
      get: { args: [], flags: [], call: () => ({ method: 'GET', path: '/__admin/clock' }) },
      set: { args: ['instant'], flags: ['scope'], call: ([to], v) => clockPost('set', { to: numOrString(to!) }, v) },
      advance: { args: ['duration'], flags: ['scope'], call: ([by], v) => clockPost('advance', { by: numOrString(by!) }, v) },
      freeze: { args: ['instant?'], flags: ['scope'], call: ([at], v) => clockPost('freeze', { at: at === undefined ? undefined : numOrString(at) }, v) },
      resume: { args: [], flags: ['scope'], call: (_a, v) => clockPost('resume', {}, v) },
      reset: { args: [], flags: ['scope'], call: (_a, v) => clockPost('reset', {}, v) },
    },
  },
  outbox: {
    default: 'list',
    subs: {
      list: { args: [], flags: ['to', 'kind', 'since', 'after'], call: (_a, v) => ({ method: 'GET', path: '/__admin/outbox', query: outboxFilter(v) as Record<string, string> }) },
      wait: {
        args: [],
        flags: ['to', 'kind', 'since', 'after', 'timeout-ms'],
        call: (_a, v) => {
          const timeout = v['timeout-ms'];
          if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new UsageError(`--timeout-ms: expected a whole number of milliseconds, got ${timeout}`);
          const since = v.since === undefined ? undefined : numOrString(v.since);
          const after = v.after === undefined ? undefined : numOrString(v.after);
          const json = defined({ to: v.to, kind: v.kind, since, after, timeout_ms: timeout === undefined ? undefined : Number(timeout) });
          // The admin plane holds the request up to timeout_ms (default 5 s): wait a little longer for its answer.
          return { method: 'POST', path: '/__admin/outbox/wait', json, timeoutMs: (timeout === undefined ? 5000 : Number(timeout)) + 30_000 };
        },
      },
      clear: { args: [], flags: [], call: () => ({ method: 'DELETE', path: '/__admin/outbox' }) },
    },
  },
};

/** Runs a command line; resolves to the exit code (undefined: `serve`, which keeps the process running). */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number | undefined> {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  const first = argv[0];
  if (own.includes('--version') || first === 'version') {
    io.out(`dialectgate ${packageVersion()}\n`);
    return 0;
  }
  if (first === undefined || first.startsWith('-') || first === 'serve') {
    const rest = first === 'serve' ? argv.slice(1) : argv;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${usage}\n`);
      return 0;
    }
    const { main } = await import('./main.ts');
    await main(rest, env);
    return undefined;
  }
  if (first === 'help') {
    io.out(`${usage}\n`);
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) {
    const near = closest(first, [...Object.keys(COMMANDS), 'serve', 'help', 'version']);
    io.err(`dialectgate: unknown command ${JSON.stringify(first)}${near ? ` (did you mean ${near}?)` : ''}\nRun dialectgate --help for the commands.`);
    return 2;
  }
  if (own.includes('--help') || own.includes('-h')) {
    io.out(`Usage: dialectgate ${first} …\n\n${CLIENT_HELP}\n`);
    return 0;
  }
  let call: Call;
  let client: { url: URL; token?: string; tenant?: string };
  try {
    ({ call, client } = parseClient(first, command, argv.slice(1), env));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`dialectgate: ${e.message}\nRun dialectgate ${first} --help for its usage.`);
    return 2;
  }
  return send(client, call, io);
}

function parseClient(name: string, command: (typeof COMMANDS)[string], argv: string[], env: NodeJS.ProcessEnv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        'admin-url': { type: 'string' },
        'admin-token': { type: 'string' },
        tenant: { type: 'string' },
        ...Object.fromEntries((['fixtures', 'keep', 'name', 'out', 'scope', 'to', 'kind', 'since', 'after', 'timeout-ms'] as const).map((f) => [f, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const [subName = command.default, ...args] = parsed.positionals;
  const sub = subName === undefined ? undefined : command.subs[subName];
  if (!sub) {
    const names = Object.keys(command.subs).filter(Boolean);
    if (subName === undefined) throw new UsageError(`${name}: expected one of ${names.join(', ')}`);
    if (command.default === '') throw new UsageError(`${name}: unexpected argument ${JSON.stringify(subName)}`);
    const near = closest(subName, names);
    throw new UsageError(`${name}: unknown subcommand ${JSON.stringify(subName)} (expected one of ${names.join(', ')}${near ? `; did you mean ${near}?` : ''})`);
  }
  const label = [name, subName].filter(Boolean).join(' ');
  const required = sub.args.filter((a) => !a.endsWith('?')).length;
  if (args.length < required) throw new UsageError(`${label}: missing <${sub.args[args.length]}>`);
  if (args.length > sub.args.length) throw new UsageError(`${label}: unexpected argument ${JSON.stringify(args[sub.args.length])}`);
  const values: Values = {};
  for (const [k, x] of Object.entries(parsed.values)) {
    if (k === 'admin-url' || k === 'admin-token' || k === 'tenant') continue;
    if (!(sub.flags as string[]).includes(k)) throw new UsageError(`${label}: --${k} does not apply${sub.flags.length ? ` (it takes ${sub.flags.map((f) => `--${f}`).join(', ')})` : ''}`);
    values[k as Flag] = x as string;
  }
  if (values.scope !== undefined && values.scope !== 'policy' && values.scope !== 'all') throw new UsageError(`--scope: expected policy or all, got ${values.scope}`);
  const rawUrl = (parsed.values['admin-url'] as string | undefined) ?? env.DIALECTGATE_ADMIN_URL ?? DEFAULT_ADMIN_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--admin-url: expected an http:// or https:// URL, got ${rawUrl}`);
  }
  const token = (parsed.values['admin-token'] as string | undefined) ?? env.DIALECTGATE_ADMIN_TOKEN;
  const tenant = parsed.values.tenant as string | undefined;
  return { call: sub.call(args, values), client: { url, token: token || undefined, tenant } };
}

async function send(client: { url: URL; token?: string; tenant?: string }, call: Call, io: Io): Promise<number> {
  const base = client.url.href.replace(/\/+$/, '');
  const query = call.query && Object.keys(call.query).length ? `?${new URLSearchParams(call.query)}` : '';
  const target = `${base}${call.path}${query}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  if (client.tenant !== undefined) headers['x-dialectgate-tenant'] = client.tenant;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (call.bytes) {
    headers['content-type'] = 'application/vnd.sqlite3';
    body = new Uint8Array(call.bytes);
  } else if (call.json) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  }
  let res: Response;
  try {
    res = await fetch(target, { method: call.method, headers, body, signal: AbortSignal.timeout(call.timeoutMs ?? 30_000) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${call.timeoutMs ?? 30_000} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    io.err(`dialectgate: cannot reach the admin plane at ${base}: ${why}`);
    return 3;
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText || 'error';
    try {
      const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
      if (parsed.error && typeof parsed.error.code === 'string') {
        code = parsed.error.code;
        message = typeof parsed.error.message === 'string' ? parsed.error.message : message;
      }
    } catch {
      const text = Buffer.from(bytes).toString('utf8').trim();
      if (text) message = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    }
    io.err(`dialectgate: ${code}: ${message}`);
    return 1;
  }
  if (bytes.length === 0) return 0;
  if (/\bjson\b/.test(type)) {
    const text = Buffer.from(bytes).toString('utf8');
    try {
      io.out(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    } catch {
      io.out(text.endsWith('\n') ? text : `${text}\n`);
    }
    return 0;
  }
  if (call.out) {
    writeFileSync(call.out, bytes, { mode: 0o600 });
    io.err(`dialectgate: wrote ${bytes.length} bytes to ${call.out}`);
    return 0;
  }
  io.out(bytes);
  return 0;
}

const invokedAs = (() => {
  try {
    return process.argv[1] ? realpathSync(process.argv[1]) : '';
  } catch {
    return '';
  }
})();
if (invokedAs === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (e: Error) => {
      console.error(`dialectgate: ${e.stack ?? e.message}`);
      process.exitCode = 1;
    },
  );
}
