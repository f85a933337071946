// The control plane on its own listener (control-plane.md): started by startGateway beside the dialect listeners,
// never on a dialect port (extra routes there would change the legacy 404 bytes).
import type { Hono } from 'hono';
import { adminPort, type AppConfig } from '../config.ts';
import type { Lifecycle } from '../core/index.ts';
import type { Random } from '../core/ports.ts';
import type { Tenants } from '../tenants.ts';
import type { SeedPreparer } from './fixtures.ts';
import { countAbortsBeforeErrors } from '../http/aborts.ts';
import { serveOnPort, type Listener } from '../http/serve.ts';
import { packageVersion } from '../package.ts';
import { isLoopbackHost, resolveToken } from './access.ts';
import { createAdminPlane, type AdminPlane } from './app.ts';

export { createAdminPlane, type AdminPlane, type AdminPlaneOptions } from './app.ts';
export { isLoopbackHost } from './access.ts';

/**
 * Puts a dialect app behind the lifecycle's gate: a reset or restore waits for the requests in flight, and requests
 * that arrive meanwhile wait for it. An open gate adds no promise to a synchronous answer.
 */
export function gateRequests(app: Hono, lifecycle: Lifecycle): void {
  const inner = app.fetch;
  app.fetch = (request, env, ctx) => lifecycle.admit(() => inner(request, env, ctx));
}

export interface RunningAdmin {
  listener: Listener;
  plane: AdminPlane;
  /** The token the plane requires, if any. */
  token?: string;
  close(): Promise<void>;
}

export interface StartAdminOptions {
  config: AppConfig;
  tenants: Tenants;
  /** Hashes a fixture set's passwords (once per set) for a reset. */
  prepare: SeedPreparer;
  random: Random;
  /** Where fixture names are looked up. */
  dataDir: string;
  /** Where a generated token is saved beyond loopback; null: the gateway keeps no files (store in memory). */
  tokenDir: string | null;
  /** The dialect listeners (for /__admin/version). */
  listeners: Listener[];
  log: (line: string) => void;
  warn: (line: string) => void;
  startedAt: number;
}

/** Starts the plane (unless --no-admin): resolves its token, listens, says where. */
export async function startAdmin(opts: StartAdminOptions): Promise<RunningAdmin | undefined> {
  const { config } = opts;
  if (!config.admin) return undefined;
  const loopback = isLoopbackHost(config.adminHost);
  const resolved = resolveToken({ configured: config.adminToken, loopback, dataDir: opts.tokenDir, random: opts.random });
  let listener: Listener | undefined;
  const plane = createAdminPlane({
    tenants: opts.tenants,
    prepare: opts.prepare,
    access: { loopback, ...(resolved.token !== undefined && { token: resolved.token }) },
    dataDir: opts.dataDir,
    fixtures: config.fixtures,
    urls: () => Object.fromEntries([...opts.listeners, ...(listener ? [listener] : [])].map((l) => [l.name, l.url])),
    version: packageVersion(),
    startedAt: opts.startedAt,
  });
  const limits = { headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs };
  countAbortsBeforeErrors('admin', plane.app);
  listener = await serveOnPort('admin', plane.app.fetch, config.adminHost, adminPort(config), limits);
  if (resolved.source === 'generated') opts.log(resolved.file ? `admin token (saved to ${resolved.file}): ${resolved.token}` : `admin token: ${resolved.token}`);
  if (!loopback) opts.warn(`WARNING: admin plane listening on ${listener.url} beyond loopback`);
  const running = listener;
  return {
    listener: running,
    plane,
    ...(resolved.token !== undefined && { token: resolved.token }),
    close: async () => {
      plane.close();
      await running.close();
    },
  };
}
