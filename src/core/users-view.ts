import type { users } from '../db/schema.ts';

export type UserRow = typeof users.$inferSelect;
/** A user as the core hands it out: never the password hash. */
export type User = Omit<UserRow, 'passwordHash'>;

export function toUser(row: UserRow): User {
  const { passwordHash: _hash, ...user } = row;
  return user;
}
