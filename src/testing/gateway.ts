// startGateway for tests (control-plane.md §5): every chosen dialect and the admin plane on 127.0.0.1, free ports,
// SQLite in memory unless a data directory is given, the legacy login rate limits off. Built on src/main.ts's
// startGateway with a configuration from the same flags `dialectgate serve` takes; the caller's environment is not
// read (a DIALECTGATE_* variable of the shell must not change what a test suite runs against).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { startGateway as startServer } from '../main.ts';
import { createAdminClient, type AdminClient } from './admin-client.ts';
import { applyClock, checkClockOption, isClockSet, withClockBaseline, type ClockOption } from './clock-option.ts';
import { tenantHandle, type TenantHandle } from './tenant.ts';
import type { DialectName, Fixtures } from './types.ts';

const ALL: readonly DialectName[] = ['fastapi', 'flask', 'v1auth', 'openapi'];

export interface StartGatewayOptions<D extends DialectName = DialectName> {
  /** The dialects to serve (default all four); `urls` has exactly these and `admin`. */
  dialects?: readonly D[];
  /**
   * The set the store is seeded from and every reset goes back to (default `dev`, fixtures/dev.json): a name as for
   * `--fixtures` (`<dataDir>/fixtures/<name>.json`, then the package's), a file, or a set (held in a private temporary
   * file until close, so resets made with the CLI or curl return to it too).
   */
  fixtures?: string | Fixtures;
  /** Keep the store (SQLite) and the signing keys here, across runs; default: in memory, nothing on disk. */
  dataDir?: string;
  /** The legacy per-IP login limits (default false: a suite logs in more often than they allow). */
  rateLimits?: boolean;
  /** Where virtual time starts; applied after start and after every reset or restore made through the helper. */
  clock?: ClockOption;
  /** More flags of `dialectgate serve` (`--tz`, `--database-url`, …), after the helper's (they win). */
  args?: readonly string[];
}

export type GatewayUrls<D extends DialectName = DialectName> = Record<D | 'admin', string>;

export interface TestGateway<D extends DialectName = DialectName> {
  /** Base URLs (`http://127.0.0.1:<port>`) of the served dialects and the admin plane. */
  urls: GatewayUrls<D>;
  /** The admin client of the default tenant. */
  admin: AdminClient;
  /** The same gateway as tenant `id` sees it (created on first use by the gateway). */
  tenant(id: string): TenantHandle<GatewayUrls<D>>;
  /** Stops every listener (in-flight requests finish) and closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function startGateway<D extends DialectName = DialectName>(options: StartGatewayOptions<D> = {}): Promise<TestGateway<D>> {
  const dialects: readonly DialectName[] = options.dialects ?? ALL;
  if (dialects.length === 0) throw new TypeError('startGateway: dialects is empty (leave it out for all four)');
  if (options.clock) checkClockOption(options.clock);
  let fixturesDir: string | undefined;
  let fixtures = typeof options.fixtures === 'string' ? options.fixtures : undefined;
  if (typeof options.fixtures === 'object') {
    fixturesDir = mkdtempSync(join(tmpdir(), 'dialectgate-fixtures-'));
    fixtures = join(fixturesDir, 'fixtures.json');
    writeFileSync(fixtures, JSON.stringify(options.fixtures), { mode: 0o600 });
  }
  const removeFixtures = () => fixturesDir && rmSync(fixturesDir, { recursive: true, force: true });
  const argv = [
    '--host', '127.0.0.1',
    '--admin-host', '127.0.0.1',
    '--port-admin', '0',
    '--only', dialects.join(','),
    ...dialects.flatMap((n) => [`--port-${n}`, '0']),
    '--rate-limits', options.rateLimits ? 'on' : 'off',
    ...(fixtures !== undefined ? ['--fixtures', fixtures] : []),
    ...(options.dataDir !== undefined ? ['--data-dir', options.dataDir] : []),
    ...(options.args ?? []),
  ];
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(loadConfig(argv, {}), { env: {}, memory: options.dataDir === undefined });
  } catch (e) {
    removeFixtures();
    throw e;
  }
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= server.close().finally(removeFixtures));
  if (!server.admin) {
    await close();
    throw new TypeError('startGateway: the admin plane is off (--no-admin in args); the helper needs it');
  }
  const urls = Object.fromEntries([...server.listeners, server.admin.listener].map((l) => [l.name, l.url])) as GatewayUrls<D>;
  const token = server.admin.token;
  const raw = createAdminClient(urls.admin, token === undefined ? {} : { token });
  const wrap = (c: AdminClient) => withClockBaseline(c, options.clock);
  if (isClockSet(options.clock)) {
    try {
      await applyClock(raw, options.clock);
    } catch (e) {
      await close();
      throw e;
    }
  }
  return {
    urls,
    admin: wrap(raw),
    tenant: (id) => tenantHandle(id, urls, urls.admin, token, wrap),
    close,
  };
}
