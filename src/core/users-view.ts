import type { UserRow } from '../store/store.ts';

export type { UserRow };
/** A user as the core hands it out: never a password hash. */
export type User = Omit<UserRow, 'passwordHash' | 'tempPasswordHash' | 'tempPasswordExpiresAt'>;

export function toUser(row: UserRow): User {
  const { passwordHash: _hash, tempPasswordHash: _temp, tempPasswordExpiresAt: _tempExpiry, ...user } = row;
  return user;
}
