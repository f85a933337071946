// Time and randomness are injected so expiry, lockout and generated secrets are deterministic in tests.
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Time, in epoch milliseconds. `now()` is the instant every policy decision is made at (lockout windows, failure
 * reset, session, refresh, API-key and temporary-password expiry, refresh grace, rate-limit windows). The optional
 * parts are the control plane's virtual clock (ControllableClock); a plain clock leaves them out and is used for all.
 */
export interface Clock {
  /** The policy instant. */
  now(): number;
  /** What token claims (`iat`, `nbf`, `exp`) and record times (created, updated, audit, mail) are stamped with. */
  stamp?(): number;
  /** Real time, for intervals that pass whatever the virtual clock does (change-feed checks, waits). */
  wall?(): number;
  /** Told of each token a dialect signs (claims from `stamp()`), so that `tokenNow` knows its issue offset. */
  issued?(token: string): void;
  /** The instant a token's time claims are checked against: its claims live their full life in virtual time. */
  tokenNow?(token: string): number;
  /** An instant before which everything recorded has expired by every reckoning (what pruning may drop). */
  horizon?(): number;
}

export const stampOf = (c: Clock): number => (c.stamp ? c.stamp() : c.now());
export const wallOf = (c: Clock): number => (c.wall ? c.wall() : c.now());
export const tokenNowOf = (c: Clock, token: string): number => (c.tokenNow ? c.tokenNow(token) : c.now());
export const horizonOf = (c: Clock): number => (c.horizon ? c.horizon() : c.now());
/** Signs with `sign(stamp)` and tells the clock of the token. */
export function issueToken<T extends { token: string } | string>(c: Clock, sign: (stampMs: number) => T): T {
  const out = sign(stampOf(c));
  c.issued?.(typeof out === 'string' ? out : out.token);
  return out;
}

export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemRandom: Random = {
  bytes: (n) => randomBytes(n),
  uuid: () => randomUUID(),
};

/** A clock that only moves when told to (tests; the control plane's clock is ControllableClock). */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export type ClockScope = 'policy' | 'all';

/** What the control plane shows of a ControllableClock. */
export interface ClockState {
  now: number;
  wall: number;
  offsetMs: number;
  frozen: boolean;
  scope: ClockScope;
}

const TOKEN_MEMORY = 100_000;
const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

/**
 * The gateway's clock: the wall (or a test's source) plus an offset, or frozen at an instant; moved by the control
 * plane (src/admin/). Under the `policy` scope (the default) policy decisions follow virtual time while claims and
 * record times stay wall; a token is checked at `now()` minus the drift (`now() - stamp()`) in effect when it was
 * signed, so it expires when virtual time passes its virtual issue instant + (exp − iat), and one signed after an
 * advance lives its full life. Under `all` claims and records are stamped with virtual time too. Tokens signed while
 * the drift is not 0 are remembered by signature (the newest 100 000); any other token is checked at `now()`.
 */
export class ControllableClock implements Clock {
  private offset = 0;
  private frozenAt: number | null = null;
  private currentScope: ClockScope = 'policy';
  private readonly drifts = new Map<string, number>();
  private maxDrift = 0;

  constructor(private readonly source: () => number = Date.now) {}

  now(): number {
    return this.frozenAt ?? this.source() + this.offset;
  }
  wall(): number {
    return this.source();
  }
  stamp(): number {
    return this.currentScope === 'all' ? this.now() : this.source();
  }
  issued(token: string): void {
    const drift = this.now() - this.stamp();
    if (drift === 0) return;
    if (this.drifts.size >= TOKEN_MEMORY) this.drifts.delete(this.drifts.keys().next().value!);
    this.drifts.set(signatureOf(token), drift);
  }
  tokenNow(token: string): number {
    const now = this.now();
    return this.drifts.size === 0 ? now : now - (this.drifts.get(signatureOf(token)) ?? 0);
  }
  horizon(): number {
    return this.now() - this.maxDrift;
  }

  state(): ClockState {
    const now = this.now();
    const wall = this.source();
    return { now, wall, offsetMs: now - wall, frozen: this.frozenAt !== null, scope: this.currentScope };
  }
  get scope(): ClockScope {
    return this.currentScope;
  }

  /** Virtual time jumps to `to` (staying frozen, at `to`, when frozen). */
  set(to: number, scope?: ClockScope): void {
    if (this.frozenAt !== null) this.frozenAt = to;
    else this.offset = to - this.source();
    this.moved(scope);
  }
  advance(byMs: number, scope?: ClockScope): void {
    if (this.frozenAt !== null) this.frozenAt += byMs;
    else this.offset += byMs;
    this.moved(scope);
  }
  /** Stops virtual time at `at` (default: now). */
  freeze(at?: number, scope?: ClockScope): void {
    this.frozenAt = at ?? this.now();
    this.moved(scope);
  }
  /** Virtual time runs again from the frozen instant. */
  resume(scope?: ClockScope): void {
    if (this.frozenAt !== null) {
      this.offset = this.frozenAt - this.source();
      this.frozenAt = null;
    }
    this.moved(scope);
  }
  /** Back to the wall, running (scope `policy` unless given). */
  reset(scope: ClockScope = 'policy'): void {
    this.offset = 0;
    this.frozenAt = null;
    this.moved(scope);
  }
  /** Forgets every token's issue drift (a store reset: no earlier token survives it). */
  forgetTokens(): void {
    this.drifts.clear();
    this.maxDrift = Math.max(0, this.now() - this.stamp());
  }

  private moved(scope: ClockScope | undefined): void {
    if (scope) this.currentScope = scope;
    this.maxDrift = Math.max(this.maxDrift, this.now() - this.stamp());
  }
}

/** Deterministic bytes from a seed (xorshift); for tests only, never for real secrets. */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s & 0xff;
  };
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, next));
  return {
    bytes,
    uuid() {
      const b = bytes(16);
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}
