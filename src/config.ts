// One valibot schema for flags and environment; a bad value stops start-up with a clear message.
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { isValidTimeZone } from './http/datetime.ts';

export const DIALECT_NAMES = ['fastapi', 'flask', 'v1auth', 'openapi'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];
export const DEFAULT_PORTS: Record<DialectName, number> = { fastapi: 8000, flask: 5000, v1auth: 8080, openapi: 58081 };

const Port = v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'must be a port number'), v.transform(Number), v.integer(), v.minValue(0), v.maxValue(65535));
const OnOff = v.pipe(
  v.string(),
  v.picklist(['on', 'off', 'true', 'false', '1', '0'], 'must be on or off'),
  v.transform((s) => ['on', 'true', '1'].includes(s)),
);
const Millis = v.pipe(
  v.string(),
  v.regex(/^\d{1,7}$/, 'must be a whole number of milliseconds'),
  v.transform(Number),
  v.minValue(1, 'must be at least 1 ms'),
);
const DialectList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  v.array(v.picklist(DIALECT_NAMES, `must name dialects among: ${DIALECT_NAMES.join(', ')}`)),
  v.minLength(1, 'must name at least one dialect'),
);

const ConfigSchema = v.pipe(v.object({
  host: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
  dataDir: v.optional(v.pipe(v.string(), v.minLength(1)), './data'),
  only: v.optional(DialectList, DIALECT_NAMES.join(',')),
  ports: v.object(Object.fromEntries(DIALECT_NAMES.map((n) => [n, v.optional(Port, String(DEFAULT_PORTS[n]))])) as Record<DialectName, v.OptionalSchema<typeof Port, string>>),
  timeZone: v.optional(v.pipe(v.string(), v.check(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai')), 'Asia/Shanghai'),
  rateLimits: v.optional(OnOff, 'on'),
  usageRetentionDays: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'must be a whole number of days'), v.transform(Number), v.minValue(1, 'must be at least 1 day')), '90'),
  databaseUrl: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL (leave it out for SQLite in the data directory)'))),
  databaseSchema: v.optional(v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL schema name')), 'public'),
  dbPoolSize: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'must be a whole number'), v.transform(Number), v.minValue(1, 'must be at least 1')), '10'),
  dbStatementTimeoutMs: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'must be a whole number of ms'), v.transform(Number)), '0'),
  headersTimeoutMs: v.optional(Millis, '10000'),
  requestTimeoutMs: v.optional(Millis, '30000'),
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
}), v.forward(v.check((c) => c.headersTimeoutMs <= c.requestTimeoutMs, 'must not be shorter than the headers timeout'), ['requestTimeoutMs']));

export type AppConfig = v.InferOutput<typeof ConfigSchema>;

export class ConfigError extends Error {}

const HELP = `Usage: dialectgate [options]

  --host <addr>            listen address (DIALECTGATE_HOST, default 127.0.0.1)
  --data-dir <dir>         store, secrets (DIALECTGATE_DATA_DIR, default ./data)
  --only <a,b>             dialects to serve (DIALECTGATE_ONLY, default all: ${DIALECT_NAMES.join(',')})
${DIALECT_NAMES.map((n) => `  --port-${n} <port>`.padEnd(27) + `(DIALECTGATE_PORT_${n.toUpperCase()}, default ${DEFAULT_PORTS[n]}; 0 = any free port)`).join('\n')}
  --tz <zone>              time zone of legacy dates (DIALECTGATE_TZ, default Asia/Shanghai)
  --rate-limits <on|off>   legacy per-IP login limits (DIALECTGATE_RATE_LIMITS, default on)
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
  -h, --help               this text
`;

export const helpText = HELP;

/** Flags win over environment; both are strings until the schema checks them. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): AppConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        only: { type: 'string' },
        tz: { type: 'string' },
        'rate-limits': { type: 'string' },
        'usage-retention-days': { type: 'string' },
        'database-url': { type: 'string' },
        'database-schema': { type: 'string' },
        'db-pool-size': { type: 'string' },
        'db-statement-timeout-ms': { type: 'string' },
        'headers-timeout-ms': { type: 'string' },
        'request-timeout-ms': { type: 'string' },
        'cors-origins': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(DIALECT_NAMES.map((n) => [`port-${n}`, { type: 'string' as const }])),
      },
    }));
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}\n\n${HELP}`);
  }
  if (values.help) throw new ConfigError(HELP);
  const pick = (flag: string, envName: string) => (values[flag] as string | undefined) ?? env[envName];
  const raw = {
    host: pick('host', 'DIALECTGATE_HOST'),
    dataDir: pick('data-dir', 'DIALECTGATE_DATA_DIR'),
    only: pick('only', 'DIALECTGATE_ONLY'),
    ports: Object.fromEntries(DIALECT_NAMES.map((n) => [n, pick(`port-${n}`, `DIALECTGATE_PORT_${n.toUpperCase()}`)])),
    timeZone: pick('tz', 'DIALECTGATE_TZ'),
    rateLimits: pick('rate-limits', 'DIALECTGATE_RATE_LIMITS'),
    usageRetentionDays: pick('usage-retention-days', 'DIALECTGATE_USAGE_RETENTION_DAYS'),
    databaseUrl: pick('database-url', 'DIALECTGATE_DATABASE_URL'),
    databaseSchema: pick('database-schema', 'DIALECTGATE_DATABASE_SCHEMA'),
    dbPoolSize: pick('db-pool-size', 'DIALECTGATE_DB_POOL_SIZE'),
    dbStatementTimeoutMs: pick('db-statement-timeout-ms', 'DIALECTGATE_DB_STATEMENT_TIMEOUT_MS'),
    headersTimeoutMs: pick('headers-timeout-ms', 'DIALECTGATE_HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: pick('request-timeout-ms', 'DIALECTGATE_REQUEST_TIMEOUT_MS'),
    corsOrigins: pick('cors-origins', 'DIALECTGATE_CORS_ORIGINS'),
    fastapi: {
      version: env.DIALECTGATE_FASTAPI_VERSION,
      appTitle: env.DIALECTGATE_FASTAPI_APP_TITLE,
      projectName: env.DIALECTGATE_FASTAPI_PROJECT_NAME,
      environment: env.DIALECTGATE_FASTAPI_ENVIRONMENT,
      build: env.DIALECTGATE_FASTAPI_BUILD,
      commit: env.DIALECTGATE_FASTAPI_COMMIT,
      pythonVersion: env.DIALECTGATE_FASTAPI_PYTHON_VERSION,
    },
  };
  const result = v.safeParse(ConfigSchema, dropUndefined(raw));
  if (!result.success) {
    const lines = result.issues.map((i) => `  ${v.getDotPath(i) ?? 'config'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.output;
}

function dropUndefined<T>(o: T): T {
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(
    Object.entries(o).filter(([, x]) => x !== undefined).map(([k, x]) => [k, dropUndefined(x)]),
  ) as T;
}

/** The configuration with every default, for tests and embedding. */
export const defaultConfig = (): AppConfig => loadConfig([], {});
