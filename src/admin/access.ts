// Who may use the control plane (control-plane.md §1): loopback by default; beyond loopback a bearer token is
// required (configured, else `<data-dir>/admin-token`, else generated there 0600 and printed once); a foreign
// `Origin`, or a non-loopback `Host` on a loopback listener (DNS rebinding), is refused 403. No CORS.
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Context } from 'hono';
import type { Random } from '../core/ports.ts';
import { problem } from './http.ts';

export const MIN_TOKEN_LENGTH = 16;

/** `localhost`, `127.0.0.0/8` and `::1` (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** The hostname of a Host header (`[::1]:8900` → `[::1]`). */
const hostnameOf = (host: string) => (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, ''));

export interface AdminAccess {
  /** The listener is on loopback: Host must be a loopback name. */
  loopback: boolean;
  /** When set, every endpoint but GET /__admin/health needs `Authorization: Bearer <token>`. */
  token?: string;
}

export interface ResolvedToken {
  token?: string;
  /** Where it came from: the flag or environment, the data directory's file (none in memory), or nothing (loopback only). */
  source: 'configured' | 'file' | 'generated' | 'none';
  file?: string;
}

/**
 * The token the plane requires: the configured one (on loopback too); beyond loopback, else the data directory's
 * `admin-token`, else a new 256-bit one written there (0600), printed once by the caller.
 */
export function resolveToken(opts: { configured?: string; loopback: boolean; dataDir: string | null; random: Random }): ResolvedToken {
  if (opts.configured !== undefined) return { token: opts.configured, source: 'configured' };
  if (opts.loopback) return { source: 'none' };
  if (opts.dataDir === null) return { token: opts.random.bytes(32).toString('base64url'), source: 'generated' };
  const file = join(opts.dataDir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${file} must hold an admin token of at least ${MIN_TOKEN_LENGTH} characters`);
    return { token, source: 'file', file };
  }
  const token = opts.random.bytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, source: 'generated', file };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The access answer for a request (403, 401), or undefined when it may go on. */
export function refuse(c: Context, access: AdminAccess): Response | undefined {
  const url = new URL(c.req.url);
  const host = c.req.header('host') ?? url.host;
  if (access.loopback && !isLoopbackHost(hostnameOf(host))) {
    return problem(403, 'forbidden', `the Host ${JSON.stringify(host)} is not a loopback name; the admin plane answers loopback names only`);
  }
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== `${url.protocol}//${host}`) {
    return problem(403, 'forbidden', `requests from the origin ${JSON.stringify(origin)} are refused (the admin plane allows no cross-origin use)`);
  }
  if (access.token === undefined || (c.req.method === 'GET' && url.pathname === '/__admin/health')) return undefined;
  const header = c.req.header('authorization') ?? '';
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m || !timingSafeEqual(digest(m[1]!), digest(access.token))) {
    return problem(401, 'unauthorized', header ? 'the admin token is wrong' : 'this admin plane needs Authorization: Bearer <admin token>', { 'www-authenticate': 'Bearer realm="dialectgate-admin"' });
  }
  return undefined;
}
