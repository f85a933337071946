// One valibot schema for flags and environment; a bad value stops start-up with a clear message.
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { isValidTimeZone } from './http/datetime.ts';

export const DIALECT_NAMES = ['fastapi', 'flask', 'v1auth', 'openapi'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];
export const DEFAULT_PORTS: Record<DialectName, number> = { fastapi: 8000, flask: 5000, v1auth: 8080, openapi: 58081 };
export const DEFAULT_ADMIN_PORT = 8900;

const PORT = 'expected 0..65535';
const Port = v.pipe(v.string(), v.regex(/^\d{1,5}$/, PORT), v.transform(Number), v.integer(PORT), v.minValue(0, PORT), v.maxValue(65535, PORT));
const OnOff = v.pipe(
  v.string(),
  v.picklist(['on', 'off', 'true', 'false', '1', '0'], 'expected on or off'),
  v.transform((s) => ['on', 'true', '1'].includes(s)),
);
const Millis = v.pipe(
  v.string(),
  v.regex(/^\d{1,7}$/, 'expected a whole number of milliseconds'),
  v.transform(Number),
  v.minValue(1, 'expected at least 1 ms'),
);
const DialectList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  v.array(v.picklist(DIALECT_NAMES, `expected dialects among ${DIALECT_NAMES.join(', ')}`)),
  v.minLength(1, 'expected at least one dialect'),
);

const ConfigSchema = v.pipe(v.object({
  host: v.optional(v.pipe(v.string(), v.minLength(1, 'expected an address')), '127.0.0.1'),
  dataDir: v.optional(v.pipe(v.string(), v.minLength(1, 'expected a directory')), './data'),
  fixtures: v.optional(v.pipe(v.string(), v.minLength(1, 'expected a fixture set name or a file')), 'dev'),
  only: v.optional(DialectList, DIALECT_NAMES.join(',')),
  ports: v.object(Object.fromEntries(DIALECT_NAMES.map((n) => [n, v.optional(Port, String(DEFAULT_PORTS[n]))])) as Record<DialectName, v.OptionalSchema<typeof Port, string>>),
  timeZone: v.optional(v.pipe(v.string(), v.check(isValidTimeZone, 'expected an IANA time zone such as Asia/Shanghai')), 'Asia/Shanghai'),
  rateLimits: v.optional(OnOff, 'on'),
  journal: v.optional(OnOff, 'on'),
  usageRetentionDays: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'expected a whole number of days'), v.transform(Number), v.minValue(1, 'expected at least 1 day')), '90'),
  databaseUrl: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// URL (leave it out for SQLite in the data directory)'))),
  databaseSchema: v.optional(v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case PostgreSQL schema name')), 'public'),
  dbPoolSize: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'expected a whole number'), v.transform(Number), v.minValue(1, 'expected at least 1')), '10'),
  dbStatementTimeoutMs: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'expected a whole number of ms'), v.transform(Number)), '0'),
  headersTimeoutMs: v.optional(Millis, '10000'),
  requestTimeoutMs: v.optional(Millis, '30000'),
  // The control plane (src/admin/): without --port-admin, 8900, or 0 when every served dialect port is 0 (see adminPort).
  portAdmin: v.optional(Port),
  adminHost: v.optional(v.pipe(v.string(), v.minLength(1, 'expected an address')), '127.0.0.1'),
  adminToken: v.optional(v.pipe(v.string(), v.regex(/^\S+$/, 'expected a token without spaces'), v.minLength(16, 'expected at least 16 characters'))),
  noAdmin: v.optional(v.union([v.pipe(v.literal(true), v.transform(() => 'on')), v.picklist(['on', 'off', 'true', 'false', '1', '0'])], 'expected on or off'), 'off'),
  corsOrigins: v.optional(
    v.pipe(v.string(), v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))),
    'http://localhost:3000,http://localhost:8080',
  ),
  fastapi: v.object({
    version: v.optional(v.string(), '0.1.0'),
    appTitle: v.optional(v.string(), 'Vue FastAPI Admin'),
    projectName: v.optional(v.string(), 'Vue FastAPI Admin'),
    environment: v.optional(v.string(), 'development'),
    build: v.optional(v.string(), 'dev'),
    commit: v.optional(v.string(), 'unknown'),
    pythonVersion: v.optional(v.string(), '3.11.7'),
  }),
}), v.transform(({ noAdmin, ...c }) => ({ ...c, admin: !['on', 'true', '1'].includes(noAdmin) })), v.forward(v.check((c) => c.headersTimeoutMs <= c.requestTimeoutMs, (i) => `expected no less than the headers timeout (${(i.input as { headersTimeoutMs: number }).headersTimeoutMs} ms)`), ['requestTimeoutMs']));

export type AppConfig = v.InferOutput<typeof ConfigSchema>;

/** A configuration the gateway cannot start with (exit 2), or `--help` (exit 0, the text on stdout). */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** The closest of `candidates` to `word` (edit distance at most a third of its length, at least 2), if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Read outside this schema (src/secrets.ts), or by the test and bench suites: known, never warned about. */
const OTHER_ENV = [...DIALECT_NAMES.map((n) => `DIALECTGATE_SECRET_${n.toUpperCase()}`), 'DIALECTGATE_ADMIN_URL', 'DIALECTGATE_ADMIN_TOKEN', 'DIALECTGATE_TEST_DATABASE_URL', 'DIALECTGATE_BENCH_DATABASE_URL'];

export interface LoadOptions {
  /** Receives one line per unknown `DIALECTGATE_*` variable (a typo is ignored, never fatal: shells and CI carry extra ones). */
  warn?: (line: string) => void;
}

const HELP = `Usage: dialectgate [serve] [options]

  --host <addr>            listen address (DIALECTGATE_HOST, default 127.0.0.1)
  --data-dir <dir>         store, secrets (DIALECTGATE_DATA_DIR, default ./data)
  --fixtures <name|file>   the set an empty store is seeded from, format of fixtures/dev.json (DIALECTGATE_FIXTURES,
                           default dev; a name: <data-dir>/fixtures/<name>.json, else the package's)
  --only <a,b>             dialects to serve (DIALECTGATE_ONLY, default all: ${DIALECT_NAMES.join(',')})
${DIALECT_NAMES.map((n) => `  --port-${n} <port>`.padEnd(27) + `(DIALECTGATE_PORT_${n.toUpperCase()}, default ${DEFAULT_PORTS[n]}; 0 = any free port)`).join('\n')}
  --tz <zone>              time zone of legacy dates (DIALECTGATE_TZ, default Asia/Shanghai)
  --rate-limits <on|off>   legacy per-IP login limits (DIALECTGATE_RATE_LIMITS, default on)
  --journal <on|off>       keep the last 1000 requests per tenant for GET /__admin/requests (DIALECTGATE_JOURNAL,
                           default on)
  --usage-retention-days   days API-key usage is kept (DIALECTGATE_USAGE_RETENTION_DAYS, default 90)
  --database-url <url>     PostgreSQL for several gateway processes (DIALECTGATE_DATABASE_URL; postgres://…,
                           sslmode in the URL; default: SQLite in the data directory, one process)
  --database-schema <name> the PostgreSQL schema holding the store (DIALECTGATE_DATABASE_SCHEMA, default public;
                           created when missing: several deployments can share one database)
  --db-pool-size <n>       PostgreSQL connections per process (DIALECTGATE_DB_POOL_SIZE, default 10)
  --db-statement-timeout-ms <n>  per statement (DIALECTGATE_DB_STATEMENT_TIMEOUT_MS, default 0 = none)
  --headers-timeout-ms <n> request line and headers must arrive within n ms, else 408 and close
                           (DIALECTGATE_HEADERS_TIMEOUT_MS, default 10000)
  --request-timeout-ms <n> the whole request, body included, within n ms, else 408 and close
                           (DIALECTGATE_REQUEST_TIMEOUT_MS, default 30000; not less than the headers timeout)
  --cors-origins <list>    fastapi CORS origins (DIALECTGATE_CORS_ORIGINS)
  --port-admin <port>      the control plane, /__admin (DIALECTGATE_PORT_ADMIN, default ${DEFAULT_ADMIN_PORT}, or 0 when every
                           served dialect port is 0; 0 = any free port)
  --admin-host <addr>      its listen address, not --host's (DIALECTGATE_ADMIN_HOST, default 127.0.0.1)
  --admin-token <token>    its bearer token, at least 16 characters (DIALECTGATE_ADMIN_TOKEN; beyond loopback the
                           default is <data-dir>/admin-token, generated on first start)
  --no-admin               no control plane (DIALECTGATE_NO_ADMIN=on)
  -h, --help               this text
`;

export const helpText = HELP;

/** Flags win over environment; both are strings until the schema checks them. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, opts: LoadOptions = {}): AppConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        fixtures: { type: 'string' },
        only: { type: 'string' },
        tz: { type: 'string' },
        'rate-limits': { type: 'string' },
        journal: { type: 'string' },
        'usage-retention-days': { type: 'string' },
        'database-url': { type: 'string' },
        'database-schema': { type: 'string' },
        'db-pool-size': { type: 'string' },
        'db-statement-timeout-ms': { type: 'string' },
        'headers-timeout-ms': { type: 'string' },
        'request-timeout-ms': { type: 'string' },
        'cors-origins': { type: 'string' },
        'port-admin': { type: 'string' },
        'admin-host': { type: 'string' },
        'admin-token': { type: 'string' },
        'no-admin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(DIALECT_NAMES.map((n) => [`port-${n}`, { type: 'string' as const }])),
      },
    }));
  } catch (e) {
    throw new ConfigError(`dialectgate: ${describeArgError(e as Error & { code?: string })}\nRun dialectgate --help for the options.`);
  }
  if (values.help) throw new ConfigError(HELP, 0);
  // `build` runs with the values, and again with the names the user typed (for error lines) or to list the variables.
  type Pick = (flag: string, envName: string) => string | undefined;
  const build = (pick: Pick, env: NodeJS.ProcessEnv) => ({
    host: pick('host', 'DIALECTGATE_HOST'),
    dataDir: pick('data-dir', 'DIALECTGATE_DATA_DIR'),
    fixtures: pick('fixtures', 'DIALECTGATE_FIXTURES'),
    only: pick('only', 'DIALECTGATE_ONLY'),
    ports: Object.fromEntries(DIALECT_NAMES.map((n) => [n, pick(`port-${n}`, `DIALECTGATE_PORT_${n.toUpperCase()}`)])),
    timeZone: pick('tz', 'DIALECTGATE_TZ'),
    rateLimits: pick('rate-limits', 'DIALECTGATE_RATE_LIMITS'),
    journal: pick('journal', 'DIALECTGATE_JOURNAL'),
    usageRetentionDays: pick('usage-retention-days', 'DIALECTGATE_USAGE_RETENTION_DAYS'),
    databaseUrl: pick('database-url', 'DIALECTGATE_DATABASE_URL'),
    databaseSchema: pick('database-schema', 'DIALECTGATE_DATABASE_SCHEMA'),
    dbPoolSize: pick('db-pool-size', 'DIALECTGATE_DB_POOL_SIZE'),
    dbStatementTimeoutMs: pick('db-statement-timeout-ms', 'DIALECTGATE_DB_STATEMENT_TIMEOUT_MS'),
    headersTimeoutMs: pick('headers-timeout-ms', 'DIALECTGATE_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: pick('request-timeout-ms', 'DIALECTGATE_REQUEST_TIMEOUT_MS'),
    corsOrigins: pick('cors-origins', 'DIALECTGATE_CORS_ORIGINS'),
    portAdmin: pick('port-admin', 'DIALECTGATE_PORT_ADMIN'),
    adminHost: pick('admin-host', 'DIALECTGATE_ADMIN_HOST'),
    adminToken: pick('admin-token', 'DIALECTGATE_ADMIN_TOKEN'),
    noAdmin: pick('no-admin', 'DIALECTGATE_NO_ADMIN'),
    fastapi: {
      version: env.DIALECTGATE_FASTAPI_VERSION,
      appTitle: env.DIALECTGATE_FASTAPI_APP_TITLE,
      projectName: env.DIALECTGATE_FASTAPI_PROJECT_NAME,
      environment: env.DIALECTGATE_FASTAPI_ENVIRONMENT,
      build: env.DIALECTGATE_FASTAPI_BUILD,
      commit: env.DIALECTGATE_FASTAPI_COMMIT,
      pythonVersion: env.DIALECTGATE_FASTAPI_PYTHON_VERSION,
    },
  });
  const raw = build((flag, envName) => (values[flag] as string | undefined) ?? env[envName], env);
  if (opts.warn) {
    const known = new Set(OTHER_ENV);
    const recorder = new Proxy({}, { get: (_t, k) => void known.add(String(k)) });
    build((_flag, envName) => void known.add(envName), recorder);
    for (const name of Object.keys(env).filter((k) => k.startsWith('DIALECTGATE_') && !known.has(k)).sort()) {
      const near = closest(name, known);
      opts.warn(`dialectgate: warning: unknown environment variable ${name} ignored${near ? ` (did you mean ${near}?)` : ''}`);
    }
  }
  const result = v.safeParse(ConfigSchema, dropUndefined(raw));
  if (!result.success) {
    const typed = build((flag, envName) => (values[flag] !== undefined ? `--${flag}` : env[envName] !== undefined ? envName : `--${flag}`), new Proxy({}, { get: (_t, k) => String(k) }));
    throw new ConfigError(result.issues.map((i) => `dialectgate: ${describeIssue(i, raw, typed)}`).join('\n'));
  }
  return result.output;
}

/** `--port-fastapi: expected 0..65535, got 99999`: the flag or variable the user typed, never the schema's key. */
function describeIssue(issue: v.BaseIssue<unknown>, raw: unknown, typed: unknown): string {
  const keys = (issue.path ?? []).map((p) => String(p.key));
  let name: unknown = typed;
  let value: unknown = raw;
  let depth = 0;
  for (const k of keys) {
    if (typeof name === 'string' || name === undefined || name === null) break;
    name = (name as Record<string, unknown>)[k];
    value = value === undefined ? undefined : (value as Record<string, unknown>)[k];
    depth++;
  }
  const label = typeof name === 'string' ? name : keys.join('.') || 'configuration';
  const input = issue.input as Record<string, unknown> | undefined;
  const got =
    depth < keys.length && typeof issue.input === 'string' ? issue.input
    : typeof value === 'string' ? value
    : typeof input === 'object' && input !== null && keys.length > 0 ? `${String(input[keys.at(-1)!])} (the default)`
    : '(the default)';
  return `${label}: ${issue.message}, got ${got === '' ? '""' : got}`;
}

/** Every flag the help text names (the candidates for "did you mean"). */
const flagsInHelp = () => [...new Set(HELP.match(/--[a-z][a-z0-9-]*/g))].map((f) => f.slice(2));

function describeArgError(e: Error & { code?: string }): string {
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const near = unknown[1]!.startsWith('--') ? closest(unknown[1]!.slice(2), flagsInHelp()) : undefined;
    return `unknown option ${unknown[1]}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  const positional = /^Unexpected argument '([^']*)'/.exec(e.message);
  if (positional) return `unexpected argument ${JSON.stringify(positional[1])}`;
  return e.message.replace(/\.$/, '');
}

function dropUndefined<T>(o: T): T {
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(
    Object.entries(o).filter(([, x]) => x !== undefined).map(([k, x]) => [k, dropUndefined(x)]),
  ) as T;
}

/**
 * The control plane's port: --port-admin, else 8900, or 0 (a free port) when every served dialect port is 0, so that
 * gateways started on free ports (tests, several at once) never meet on 8900.
 */
export const adminPort = (c: AppConfig): number => c.portAdmin ?? (c.only.every((n) => c.ports[n] === 0) ? 0 : DEFAULT_ADMIN_PORT);

/** The configuration with every default, for tests and embedding. */
export const defaultConfig = (): AppConfig => loadConfig([], {});
