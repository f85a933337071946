import { hash, verify } from '@node-rs/argon2';
import { CoreError } from './errors.ts';

// security.md: argon2id m=19456 KiB, t=2, p=1, set explicitly.
const PARAMS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const MAX_PASSWORD_BYTES = 1024;

export interface Hasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export const argon2Hasher: Hasher = {
  hash: (password) => hash(password, PARAMS),
  async verify(stored, password) {
    try {
      return await verify(stored, password);
    } catch {
      return false; // a malformed stored hash never matches
    }
  },
};

/** The core's own rule for every password, whatever the dialect adds: non-empty, at most 1024 bytes. */
export function checkPasswordShape(password: string): void {
  if (password.length === 0) throw new CoreError('validation', { field: 'password', rule: 'empty' });
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES)
    throw new CoreError('validation', { field: 'password', rule: 'too_long' });
}

export const fitsPasswordLimit = (password: string) =>
  password.length > 0 && Buffer.byteLength(password) <= MAX_PASSWORD_BYTES;
