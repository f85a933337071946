#!/usr/bin/env node
// The `dialectgate` command (control-plane.md §6). `serve` (the default) starts the gateway (src/main.ts); reset,
// snapshot, clock and outbox are one call each of the admin client (src/testing/admin-client.ts): JSON on stdout;
// exit 1 on an API error (`dialectgate: <code>: <message>` on stderr), 2 on a usage error, 3 when the admin plane
// cannot be reached.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closest, helpText } from './config.ts';
import { packageVersion } from './package.ts';
import { createAdminClient, type AdminClient } from './testing/admin-client.ts';
import { AdminError, AdminUnreachableError } from './testing/errors.ts';
import type { ClockScope, Fixtures, Keep } from './testing/types.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8900';
/** No answer within this (plus the outbox wait's own wait) counts as unreachable: exit 3. */
const CLIENT_TIMEOUT_MS = 30_000;

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

/**
 * What a command line does: one call of the admin client (src/testing/admin-client.ts). Its answer goes to stdout:
 * JSON pretty-printed, bytes as they are, nothing for undefined (204).
 */
type Call = (client: AdminClient, io: Io) => Promise<unknown>;

interface Sub {
  /** Positional arguments after the subcommand: names (a trailing `?` marks an optional one). */
  args: string[];
  flags: Flag[];
  /** Checks the arguments (UsageError) before anything is sent. */
  call: (a: string[], v: Values) => Call;
}

/** A number when it is all digits (epoch ms, ms, ids), else the string (ISO 8601). */
const numOrString = (s: string): number | string => (/^\d+$/.test(s) ? Number(s) : s);
/** An id or count as typed: digits as a number, anything else passed on for the admin plane to refuse (400). */
const idArg = (s: string | undefined) => (s === undefined ? undefined : (numOrString(s) as number));
const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const keepArg = (s: string | undefined) => (s === undefined ? undefined : (list(s) as Keep[]));
const scopeOf = (v: Values) => v.scope as ClockScope | undefined;

/** `--fixtures`: a name (the admin plane resolves it), or a file sent as the object it holds. */
function fixturesArg(s: string | undefined): string | Fixtures | undefined {
  if (s === undefined) return undefined;
  if (/^[A-Za-z0-9_-]{1,64}$/.test(s)) return s;
  let text: string;
  try {
    text = readFileSync(s, 'utf8');
  } catch (e) {
    throw new UsageError(`--fixtures: cannot read ${s}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Fixtures; // checked by the admin plane (400 invalid_fixture)
  } catch (e) {
    throw new UsageError(`--fixtures: ${s} is not JSON: ${(e as Error).message}`);
  }
}

const outboxFilter = (v: Values) => ({ to: v.to, kind: v.kind, since: v.since, after: idArg(v.after) });

const COMMANDS: Record<string, { default?: string; subs: Record<string, Sub> }> = {
  reset: {
    default: '',
    subs: {
      '': {
        args: [],
        flags: ['fixtures', 'keep'],
        call: (_a, v) => {
          const o = { fixtures: fixturesArg(v.fixtures), keep: keepArg(v.keep) };
          return (c) => c.reset(o);
        },
      },
    },
  },
  snapshot: {
    subs: {
      create: { args: [], flags: ['name'], call: (_a, v) => (c) => c.snapshots.create({ name: v.name }) },
      list: { args: [], flags: [], call: () => (c) => c.snapshots.list() },
      get: { args: ['id'], flags: [], call: ([id]) => (c) => c.snapshots.get(id!) },
      restore: { args: ['id'], flags: ['keep'], call: ([id], v) => (c) => c.snapshots.restore(id!, { keep: keepArg(v.keep) }) },
      delete: { args: ['id'], flags: [], call: ([id]) => (c) => c.snapshots.delete(id!) },
      download: {
        args: ['id'],
        flags: ['out'],
        call: ([id], v) => async (c, io) => {
          const bytes = await c.snapshots.bytes(id!);
          if (v.out === undefined) return bytes;
          writeFileSync(v.out, bytes, { mode: 0o600 });
          io.err(`dialectgate: wrote ${bytes.length} bytes to ${v.out}`);
          return undefined;
        },
      },
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
          return (c) => c.snapshots.upload(bytes, { name: v.name });
        },
      },
    },
  },
  clock: {
    default: 'get',
    subs: {
      get: { args: [], flags: [], call: () => (c) => c.clock.get() },
      set: { args: ['instant'], flags: ['scope'], call: ([to], v) => (c) => c.clock.set({ to: numOrString(to!), scope: scopeOf(v) }) },
      advance: { args: ['duration'], flags: ['scope'], call: ([by], v) => (c) => c.clock.advance({ by: numOrString(by!), scope: scopeOf(v) }) },
      freeze: { args: ['instant?'], flags: ['scope'], call: ([at], v) => (c) => c.clock.freeze({ at: at === undefined ? undefined : numOrString(at), scope: scopeOf(v) }) },
      resume: { args: [], flags: ['scope'], call: (_a, v) => (c) => c.clock.resume({ scope: scopeOf(v) }) },
      reset: { args: [], flags: ['scope'], call: (_a, v) => (c) => c.clock.reset({ scope: scopeOf(v) }) },
    },
  },
  outbox: {
    default: 'list',
    subs: {
      list: { args: [], flags: ['to', 'kind', 'since', 'after'], call: (_a, v) => (c) => c.outbox.list(outboxFilter(v)) },
      wait: {
        args: [],
        flags: ['to', 'kind', 'since', 'after', 'timeout-ms'],
        call: (_a, v) => {
          const timeout = v['timeout-ms'];
          if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new UsageError(`--timeout-ms: expected a whole number of milliseconds, got ${timeout}`);
          const since = v.since === undefined ? undefined : numOrString(v.since);
          // The client waits the admin plane's timeout_ms (default 5 s) on top of its own 30 s.
          return (c) => c.outbox.wait({ ...outboxFilter(v), since, timeout_ms: timeout === undefined ? undefined : Number(timeout) });
        },
      },
      clear: { args: [], flags: [], call: () => (c) => c.outbox.clear() },
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

/** Runs the call; exit 1 on an API error (`dialectgate: <code>: <message>`), 3 when the plane cannot be reached. */
async function send(client: { url: URL; token?: string; tenant?: string }, call: Call, io: Io): Promise<number> {
  const admin = createAdminClient(client.url, { token: client.token, tenant: client.tenant, timeoutMs: CLIENT_TIMEOUT_MS });
  let answer: unknown;
  try {
    answer = await call(admin, io);
  } catch (e) {
    if (e instanceof AdminUnreachableError) {
      io.err(`dialectgate: ${e.message}`);
      return 3;
    }
    if (e instanceof AdminError) {
      io.err(`dialectgate: ${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (answer === undefined) return 0;
  io.out(answer instanceof Uint8Array ? answer : `${JSON.stringify(answer, null, 2)}\n`);
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
