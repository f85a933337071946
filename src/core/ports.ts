// Time and randomness are injected so expiry, lockout and generated secrets are deterministic in tests.
import { randomBytes, randomUUID } from 'node:crypto';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
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

/** A clock that only moves when told to (tests, the admin plane). */
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
