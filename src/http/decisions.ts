// Why a request was refused, as the core saw it (control-plane.md §4, "Explain"): the pipeline notes every core
// denial and every token failure here, even one a dialect answers with 200 (flask's 登录失败); the journal takes the
// note when the response is complete. Keyed by the Request the listener received, so nothing is threaded through.
import type { CoreError } from '../core/errors.ts';
import { tokenNowOf, type Clock } from '../core/ports.ts';
import { expOf } from './jwt.ts';

/** A denial: the core error kind (`account_locked`, `token_expired`, `forbidden`, …) and its typed details. */
export interface Denial {
  kind: string;
  details: Record<string, unknown>;
}

const notes = new WeakMap<Request, Denial>();

/** Records the first denial of a request (the real reason; later ones follow from it). */
export function noteDenial(request: Request, kind: string, details: Record<string, unknown> = {}): void {
  if (!notes.has(request)) notes.set(request, { kind, details });
}

/** The denial recorded for a request, if any. */
export const denialOf = (request: Request): Denial | undefined => notes.get(request);

const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/** A core error as a denial: its kind, and its details with instants (epoch ms) as ISO strings under a clear name. */
export function coreDenial(e: CoreError): Denial {
  if (e.kind === 'account_locked') {
    const { until, ...rest } = e.details;
    return { kind: e.kind, details: { ...rest, locked_until: iso(until) } }; // null: locked until an unlock
  }
  return { kind: e.kind, details: e.details };
}

/**
 * The details of a `token_expired` denial: when the token expired (its `exp`, in seconds, read from the payload
 * unless given, moved into policy time when the clock checks this token at a virtual instant) and which clock
 * decided it. Empty when the expiry is unknown.
 */
export function expiryDetails(clock: Clock, token: string, exp: number | undefined = expOf(token)): Record<string, unknown> {
  if (exp === undefined || !Number.isFinite(exp)) return {};
  const now = clock.now();
  const drift = now - tokenNowOf(clock, token);
  const virtual = clock.wall !== undefined && now !== clock.wall();
  return { expired_at: new Date(exp * 1000 + drift).toISOString(), clock: virtual ? 'virtual' : 'wall' };
}

// The user is noted on every authenticated request, so it is kept on the Request itself under a symbol (no key of
// the Request's own, invisible to its enumeration): a WeakMap entry per request cost ~0.35 µs of insertion and GC
// on the hot path, a property ~0.01 µs. It goes with the Request, as a WeakMap entry would.
const USER = Symbol('dialectgate.user');
type Noted = Request & { [USER]?: string };

/**
 * Records whose request this is, once the pipeline knows: the username a login attempt names, then the
 * authenticated user's own. The last note wins, so an attempt's typed name gives way to the account's.
 */
export function noteUser(request: Request, username: string): void {
  (request as Noted)[USER] = username;
}

/** The username noted for a request, if any. */
export const userOf = (request: Request): string | undefined => (request as Noted)[USER];
