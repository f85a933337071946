import type { users } from '../store/sqlite/schema.ts';

export type UserRow = typeof users.$inferSelect;
/** A user as the core hands it out: never a password hash. */
export type User = Omit<UserRow, 'passwordHash' | 'tempPasswordHash' | 'tempPasswordExpiresAt'>;

export function toUser(row: UserRow): User {
  const { passwordHash: _hash, tempPasswordHash: _temp, tempPasswordExpiresAt: _tempExpiry, ...user } = row;
  return user;
}
